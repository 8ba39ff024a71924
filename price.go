package meterd

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Price is an amount of US dollars, held exactly as an integer number of
// micro-dollars (millionths of a dollar). Money is never a float: a unit
// price such as 0.1 has no exact binary representation, and a month of
// hourly records multiplied by it would drift. It reads and writes as a
// decimal string ("0.012"), also in JSON.
type Price int64

// Price bounds: six decimal places (below AWS Marketplace's own
// precision), and at most 12 digits of dollars, so that every Price fits
// an int64 of micro-dollars with room to spare.
const (
	PriceDecimals  = 6
	maxPriceDigits = 12
	microsPerUSD   = 1_000_000
)

// ParsePrice reads a non-negative decimal number of dollars: digits, and
// optionally a point and one to six more digits ("12", "0.012", "1.5").
// Signs, exponents, spaces, thousands separators and a currency symbol are
// errors, so that what a seed says is exactly what is billed.
func ParsePrice(s string) (Price, error) {
	whole, frac, hasPoint := strings.Cut(s, ".")
	switch {
	case whole == "":
		return 0, fmt.Errorf("price %q: want digits before the decimal point, such as 0.012", s)
	case !allDigits(whole) || (hasPoint && !allDigits(frac)):
		return 0, fmt.Errorf("price %q: want a decimal number of US dollars such as 0.012 (digits and one point only)", s)
	case hasPoint && frac == "":
		return 0, fmt.Errorf("price %q: want digits after the decimal point", s)
	case len(frac) > PriceDecimals:
		return 0, fmt.Errorf("price %q: at most %d decimal places", s, PriceDecimals)
	case len(strings.TrimLeft(whole, "0")) > maxPriceDigits:
		return 0, fmt.Errorf("price %q: at most %d digits before the decimal point", s, maxPriceDigits)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("price %q: %w", s, err)
	}
	f, _ := strconv.ParseInt(frac+strings.Repeat("0", PriceDecimals-len(frac)), 10, 64)
	return Price(w*microsPerUSD + f), nil
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Micros is the price in micro-dollars.
func (p Price) Micros() int64 { return int64(p) }

// String writes the price in dollars without trailing zeros: "0.012", "3".
func (p Price) String() string { return FormatMicroUSD(big.NewInt(int64(p))) }

// MarshalText writes String.
func (p Price) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads what ParsePrice reads.
func (p *Price) UnmarshalText(b []byte) error {
	v, err := ParsePrice(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Cost is quantity × p in micro-dollars. It is a big.Int because a month
// of large quantities at a large price may not fit an int64.
func (p Price) Cost(quantity int64) *big.Int {
	return new(big.Int).Mul(big.NewInt(quantity), big.NewInt(int64(p)))
}

// FormatMicroUSD writes an amount of micro-dollars in dollars, exactly,
// without trailing zeros in the fraction: 12_500_000 is "12.5".
func FormatMicroUSD(micros *big.Int) string {
	var q, r big.Int
	q.QuoRem(micros, big.NewInt(microsPerUSD), &r)
	sign := ""
	if micros.Sign() < 0 {
		sign = "-"
		q.Abs(&q)
		r.Abs(&r)
	}
	if r.Sign() == 0 {
		return sign + q.String()
	}
	frac := strings.TrimRight(fmt.Sprintf("%06d", r.Int64()), "0")
	return sign + q.String() + "." + frac
}
