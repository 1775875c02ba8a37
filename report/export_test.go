package report

import "github.com/cfwatch/cfwatch/traffic"

// For the external tests (package report_test), which build reports with
// the local engine.
var (
	SparkMarks = sparkMarks
	Num        = num[int64]
)

const NoDataMark = noDataMark

func (p SeriesPoint) Point() traffic.Point { return p.point() }
