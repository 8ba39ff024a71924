package console

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// chartSeries is one line of a chart: a value per hour of the chart's
// hours.
type chartSeries struct {
	Name   string
	Values []int64
}

// palette colours the series (Okabe-Ito, readable by colour-blind users);
// past eight, colours repeat and the dash pattern tells series apart.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"}

const (
	chartW, chartH = 760, 240
	padL, padR     = 48, 12
	padT, padB     = 12, 36
)

// svgChart draws series over hours as an SVG line chart with axes, a
// legend and a <title> per point, sized by its viewBox so that it scales
// to the page's width. Every text is escaped: product codes and dimensions
// come from the seed.
func svgChart(label string, hours []time.Time, series []chartSeries) template.HTML {
	var b strings.Builder
	legendH := 18 * len(series)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		chartW, chartH+legendH, template.HTMLEscapeString(label))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(label))
	top := niceMax(series)
	x := func(i int) float64 {
		if len(hours) <= 1 {
			return padL
		}
		return padL + float64(i)*float64(chartW-padL-padR)/float64(len(hours)-1)
	}
	y := func(v int64) float64 { return padT + float64(chartH-padT-padB)*(1-float64(v)/float64(top)) }
	writeAxes(&b, hours, top, x, y)
	for si, s := range series {
		colour := palette[si%len(palette)]
		dash := ""
		if si >= len(palette) {
			dash = ` stroke-dasharray="6 3"`
		}
		points := make([]string, len(s.Values))
		for i, v := range s.Values {
			points[i] = fmt.Sprintf("%.1f,%.1f", x(i), y(v))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`, colour, dash, strings.Join(points, " "))
		for i, v := range s.Values {
			if v == 0 {
				continue
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %d</title></circle>`,
				x(i), y(v), colour, template.HTMLEscapeString(s.Name), hours[i].Format("2006-01-02 15:00Z"), v)
		}
		ly := chartH + 18*si + 12
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d" class="legend">%s</text>`,
			padL, ly-4, colour, padL+18, ly, template.HTMLEscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every value above is a number or escaped
}

// writeAxes draws the y axis (0 and top), the x axis and up to eight hour
// labels.
func writeAxes(b *strings.Builder, hours []time.Time, top int64, x func(int) float64, y func(int64) float64) {
	fmt.Fprintf(b, `<g class="axis"><line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, padL, y(0), chartW-padR, y(0))
	fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, padL, y(top), padL, y(0))
	for _, v := range []int64{0, top / 2, top} {
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`, padL-6, y(v)+4, v)
		if v > 0 {
			fmt.Fprintf(b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, padL, y(v), chartW-padR, y(v))
		}
	}
	step := max(1, int(math.Ceil(float64(len(hours))/8)))
	for i := 0; i < len(hours); i += step {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), chartH-padB+18, hours[i].Format("01-02 15h"))
	}
	b.WriteString(`</g>`)
}

// niceMax is the top of the y axis: the largest value rounded up to 1, 2
// or 5 times a power of ten, at least 1.
func niceMax(series []chartSeries) int64 {
	var m int64 = 1
	for _, s := range series {
		for _, v := range s.Values {
			m = max(m, v)
		}
	}
	for p := int64(1); ; p *= 10 {
		for _, f := range []int64{1, 2, 5} {
			if f*p >= m {
				return f * p
			}
		}
	}
}
