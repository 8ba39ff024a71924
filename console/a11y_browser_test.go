package console_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	mtypes "github.com/aws/aws-sdk-go-v2/service/marketplacemetering/types"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/meterd/meterd/meterdtest"
	"github.com/meterd/meterd/node"
)

// consolePages are the pages the audit visits, by screenshot name.
var consolePages = []struct{ name, path string }{
	{"overview", "/console/"}, {"records", "/console/records"}, {"customers", "/console/customers"},
	{"health", "/console/health"}, {"bill", "/console/bill"}, {"notifications", "/console/notifications"},
	{"audit", "/console/audit"}, {"calls", "/console/calls"}, {"clock", "/console/clock"},
	{"faults", "/console/faults"}, {"quotas", "/console/quotas"}, {"keys", "/console/keys"}, {"reset", "/console/reset"},
}

// viewports are the widths every page must work at: a laptop and a phone.
var viewports = []struct {
	name          string
	width, height int64
}{{"laptop", 1280, 800}, {"phone", 375, 740}}

// TestBrowserAccessibility audits every page in Chromium at laptop and
// phone widths: lang, one h1, landmarks, a working skip link, a name for
// every control and link, a text alternative for every chart, no
// horizontal overflow, a nav within reach, and a keyboard walk that
// reaches every action with a visible focus. Then the seller logs in with
// the keyboard alone and changes a quota by typing and Enter, and an SDK
// client calling faster than the new quota is throttled.
func TestBrowserAccessibility(t *testing.T) {
	// 14 pages at two widths, each walked with the keyboard: minutes under
	// -race on a busy machine.
	ctx := startBrowserFor(t, 5*time.Minute)
	shots := artifactDir(t)
	s := meterdtest.Start(t, meterdtest.WithConfig(func(c *node.Config) { c.AllowReset = true }))
	buyer := meteringClient(s, s.Buyer)
	meterAMI(t, buyer, hourNow(), 3)
	waitCalls(t, s, 3)

	for _, vp := range viewports {
		run(t, ctx, chromedp.EmulateViewport(vp.width, vp.height), chromedp.Navigate(s.URL+"/console/login"),
			chromedp.WaitVisible(chromedp.CSS("#token")))
		auditPage(t, ctx, "login "+vp.name, false)
		shot(t, ctx, shots, "a11y-login-"+vp.name)
	}
	loginByKeyboard(t, ctx, s)
	for _, vp := range viewports {
		run(t, ctx, chromedp.EmulateViewport(vp.width, vp.height))
		for _, p := range consolePages {
			run(t, ctx, chromedp.Navigate(s.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			auditPage(t, ctx, p.name+" "+vp.name, true)
			shot(t, ctx, shots, "a11y-"+p.name+"-"+vp.name)
		}
	}

	// A quota changed in the console throttles the SDK's next calls.
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(s.URL+"/console/quotas"),
		chromedp.WaitVisible(chromedp.CSS("#set-quota")),
		chromedp.SetValue(chromedp.CSS("#quota-operation"), "MeterUsage"),
		chromedp.Focus(chromedp.CSS("#quota-rate")), chromedp.KeyEvent("0.01"),
		chromedp.Focus(chromedp.CSS("#quota-burst")), chromedp.KeyEvent("1"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	wantText(t, ctx, ".flash", "Quota of MeterUsage (every account) set to 0.01 a second, bursts of 1.")
	wantText(t, ctx, "#quotas", "override")
	shot(t, ctx, shots, "quotas-set")
	// One token a hundred seconds, a burst of one: the second call of
	// three at most is throttled (the first may be a duplicate, which
	// takes its token too).
	var throttled *mtypes.ThrottlingException
	var err error
	for i := 0; i < 3 && !errors.As(err, &throttled); i++ {
		_, err = buyer.MeterUsage(context.Background(), &marketplacemetering.MeterUsageInput{ProductCode: aws.String("demo-ami"),
			UsageDimension: aws.String("vcpu_hours"), UsageQuantity: aws.Int32(1), Timestamp: aws.Time(hourNow())})
	}
	if !errors.As(err, &throttled) {
		t.Fatalf("MeterUsage faster than the quota: %v, want ThrottlingException", err)
	}
	// Reset by keyboard: Tab to the override's Reset button, Enter.
	run(t, ctx, chromedp.Navigate(s.URL+"/console/quotas"), chromedp.WaitVisible(chromedp.CSS("#quotas")),
		tabTo(`button[aria-label^="Reset the override of MeterUsage"]`), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	wantText(t, ctx, ".flash", "Override of MeterUsage (every account) removed.")
}

// loginByKeyboard logs in with keys only: Tab to the token field, type
// it, Enter.
func loginByKeyboard(t *testing.T, ctx context.Context, s *meterdtest.Server) {
	t.Helper()
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(s.URL+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS("#token")), toTop,
		tabTo("#token"), chromedp.KeyEvent(s.AdminToken+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#usage")))
}

// toTop moves the focus to the top of the page, before the skip link (off
// the login's autofocus), as if the page had just loaded: the next Tab
// goes to the first Tab stop.
var toTop = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := chromedp.Evaluate[bool](`(() => {
  const top = document.createElement("span");
  top.tabIndex = -1;
  document.body.prepend(top);
  top.focus();
  return true;
})()`)(ctx, t)
	return err
})

func hourNow() time.Time { return time.Now().UTC().Truncate(time.Hour) }

// tabTo presses Tab until the element sel has the focus (at most 200
// times).
func tabTo(sel string) chromedp.Action[chromedp.Void] {
	expr := fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for range 200 {
			if _, err := chromedp.KeyEvent(kb.Tab)(ctx, t); err != nil {
				return err
			}
			if ok, err := chromedp.Evaluate[bool](expr)(ctx, t); err != nil || ok {
				return err
			}
		}
		return fmt.Errorf("200 presses of Tab never reached %s", sel)
	})
}

// auditPage fails t with every rule the current page breaks.
func auditPage(t *testing.T, ctx context.Context, page string, loggedIn bool) {
	t.Helper()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf("(%s)(%v)", staticAudit, loggedIn)))
	if err != nil {
		t.Fatalf("%s: audit: %v", page, err)
	}
	problems = append(problems, keyboardAudit(t, ctx)...)
	for _, p := range problems {
		t.Errorf("%s: %s", page, p)
	}
}

// keyboardAudit checks the skip link (the first Tab stop; Enter moves the
// focus to main, and the next Tab stays in it), then walks the page with
// Tab: every visible action must get the focus, with an outline.
func keyboardAudit(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var problems []string
	run(t, ctx, toTop)
	steps := []struct{ keys, check, want string }{
		{kb.Tab, `document.activeElement.matches("a.skip")`, "the first Tab stop is not the skip link"},
		{kb.Enter, `document.activeElement.id === "main"`, "Enter on the skip link does not move the focus to main"},
		{kb.Tab, `document.querySelector("main").contains(document.activeElement)`, "after the skip link, Tab leaves main"},
	}
	for _, st := range steps {
		run(t, ctx, chromedp.KeyEvent(st.keys))
		if good, err := chromedp.Run(ctx, chromedp.Evaluate[bool](st.check)); err != nil || !good {
			problems = append(problems, st.want)
			break
		}
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](tabWalkStart))
	if err != nil {
		t.Fatal(err)
	}
	// A date field takes a Tab per part: press on until every action had
	// the focus, or far more presses than there are actions.
	for presses := 0; presses < 4*n+40; presses += 10 {
		run(t, ctx, chromedp.KeyEvent(strings.Repeat(kb.Tab, 10)))
		if done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.tabWalk.seen.size === window.tabWalk.all.length`)); err != nil || done {
			break
		}
	}
	missed, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](tabWalkEnd))
	if err != nil {
		t.Fatal(err)
	}
	return append(problems, missed...)
}

// staticAudit returns the rules the page breaks, given whether it is a
// page behind the login (which has the nav).
const staticAudit = `(loggedIn) => {
  const p = [];
  const name = (el) => {
    const by = el.getAttribute("aria-labelledby");
    return (el.getAttribute("aria-label") || "").trim() ||
      (by ? by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || "").join(" ").trim() : "") ||
      (el.labels ? [...el.labels].map((l) => l.textContent).join(" ").trim() : "") ||
      (el.title || "").trim() ||
      (el.matches("a, button, summary") ? el.textContent.trim() : "");
  };
  if (!document.documentElement.lang) p.push("no lang on <html>");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) p.push(h1 + " h1 elements, want 1");
  for (const sel of ["body > header", "main#main"]) if (!document.querySelector(sel)) p.push("no " + sel);
  if (loggedIn && !document.querySelector("header nav")) p.push("no nav in the header");
  if (!document.querySelector('body > a.skip[href="#main"]')) p.push("no skip link to #main");
  for (const el of document.querySelectorAll('input:not([type="hidden"]), select, textarea, button, a[href], summary'))
    if (!name(el)) p.push("no accessible name: " + el.outerHTML.slice(0, 160));
  for (const svg of document.querySelectorAll("svg"))
    if (svg.getAttribute("aria-hidden") !== "true" && !svg.querySelector(":scope > title") && !name(svg))
      p.push("svg without a text alternative");
  for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) p.push("img without alt: " + img.src);
  const sw = document.documentElement.scrollWidth;
  if (sw > innerWidth) p.push("horizontal overflow: scrollWidth " + sw + " > innerWidth " + innerWidth + ": " +
    [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > innerWidth && !el.closest(".scroll"))
      .slice(0, 3).map((el) => el.outerHTML.slice(0, 100)).join(" | "));
  for (const a of document.querySelectorAll("header nav a, header button")) {
    const r = a.getBoundingClientRect();
    if (r.left < 0 || r.right > innerWidth || r.height < 24 || r.width < 24)
      p.push("nav item out of reach or too small: " + a.textContent.trim() + " " + JSON.stringify(r));
  }
  return p;
}`

// tabWalkStart marks every visible action, records each focus (and
// whether it showed an outline), puts the focus on the first one and
// returns how many there are.
const tabWalkStart = `(() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && !el.closest("details:not([open]) > :not(summary)");
  };
  const all = [...document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter((el) => !el.disabled && (visible(el) || el.matches("a.skip")));
  all.forEach((el, i) => el.dataset.tabWalk = String(i));
  window.tabWalk = { all, seen: new Set(), bare: new Set() };
  document.addEventListener("focusin", (e) => {
    const el = e.target, s = getComputedStyle(el);
    if (el.dataset.tabWalk === undefined) return;
    window.tabWalk.seen.add(el);
    if ((s.outlineStyle === "none" || parseFloat(s.outlineWidth) === 0) && s.boxShadow === "none") window.tabWalk.bare.add(el);
  });
  all[0].focus(); // the skip link, at the top: Tab goes on from there
  return all.length;
})()`

// tabWalkEnd lists the actions Tab never reached and those focused
// without a visible focus style.
const tabWalkEnd = `(() => {
  const w = window.tabWalk, p = [];
  for (const el of w.all) if (!w.seen.has(el)) p.push("Tab never reaches " + el.outerHTML.slice(0, 160));
  for (const el of w.bare) p.push("no visible focus style on " + el.outerHTML.slice(0, 160));
  return p;
})()`
