package report

import (
	"fmt"
	"time"
)

// A report without data (Coverage.NoData) says so before anything else, in
// every format: its findings and checks judged nothing.

// noDataTitle says why a report has no data, after "NO DATA: "; "" when
// the window holds enough records.
func (rep *Report) noDataTitle() string {
	c := rep.Coverage
	switch {
	case !c.NoData:
		return ""
	case c.Records == 0:
		return "the window holds no records"
	}
	return fmt.Sprintf("the window holds only %s records, fewer than the %s of --min-records", num(c.Records), num(c.MinRecords))
}

// noDataLines explain a report without data: where the input does have
// data, and why a window that ends now may have none.
func (rep *Report) noDataLines() []string {
	c := rep.Coverage
	if !c.NoData {
		return nil
	}
	at := func(t *time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" }
	var near string
	switch b, a := c.NearestBefore, c.NearestAfter; {
	case b != nil && a != nil:
		near = fmt.Sprintf("The nearest data the input holds: up to %s before the window, and from %s after it.", at(b), at(a))
	case b != nil:
		near = fmt.Sprintf("The nearest data the input holds: up to %s, before the window; none after it.", at(b))
	case a != nil:
		near = fmt.Sprintf("The nearest data the input holds: from %s, after the window; none before it.", at(a))
	case rep.Input.Engine == "" && rep.Input.Files == 0 && rep.Input.FilesOutsideWindow == 0:
		near = "No file of the input was found."
	default:
		near = "No data outside the window was seen either."
	}
	return []string{
		near,
		"Findings and checks below judge nothing. Standard logs reach their bucket minutes to an hour after the requests (AWS: some entries up to 24 hours later), so a window that ends just now holds little.",
	}
}
