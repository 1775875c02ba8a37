package parquettest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// V2Style says how CloudFrontV2 names and types the columns of a standard
// logging v2 Parquet file. AWS documents neither, so the reader must take
// every plausible shape.
type V2Style struct {
	// Underscores names columns as the Athena guide's table does
	// (cs_host, cs_user_agent, time_taken), instead of the field names
	// (cs(Host), cs(User-Agent), time-taken).
	Underscores bool
	// Typed writes numbers as INT64/DOUBLE, date as DATE, and adds a
	// timestamp(ms) TIMESTAMP(MILLIS) column; otherwise every column is a
	// string ("-" for no value), as v2's JSON holds them.
	Typed bool
	// DistributionID adds a DistributionId column with this value.
	DistributionID string
	// RowsPerGroup bounds the rows of a row group (0: one group).
	RowsPerGroup int64
}

var intFields = map[string]bool{"sc-bytes": true, "cs-bytes": true, "sc-status": true, "c-port": true,
	"sc-content-len": true, "sc-range-start": true, "sc-range-end": true, "fle-encrypted-fields": true}

var floatFields = map[string]bool{"time-taken": true, "time-to-first-byte": true}

// CloudFrontV2 writes the requests of a W3C log (its #Fields header, or the
// 33 legacy fields, then tab-separated lines) as a Parquet file shaped as
// CloudFront's standard logging v2 Parquet output, with Apache Arrow's
// writer (an independent library from the reader under test). Values are
// written exactly as the W3C lines hold them.
func CloudFrontV2(w3c []byte, style V2Style) ([]byte, error) {
	var names []string
	var lines [][]string
	for _, line := range strings.Split(string(w3c), "\n") {
		line = strings.TrimRight(line, "\r")
		if rest, ok := strings.CutPrefix(line, "#Fields:"); ok {
			names = strings.Fields(rest)
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		lines = append(lines, strings.Split(line, "\t"))
	}
	if names == nil {
		return nil, fmt.Errorf("no #Fields header")
	}
	colName := func(n string) string {
		if !style.Underscores {
			return n
		}
		r := strings.NewReplacer("(", "_", ")", "", "-", "_")
		return strings.ToLower(r.Replace(n))
	}
	alloc := memory.DefaultAllocator
	var fields []arrow.Field
	var builders []array.Builder
	addCol := func(name string, t arrow.DataType) {
		fields = append(fields, arrow.Field{Name: name, Type: t, Nullable: true})
		builders = append(builders, array.NewBuilder(alloc, t))
	}
	kinds := make([]arrow.DataType, len(names))
	for i, n := range names {
		t := arrow.DataType(arrow.BinaryTypes.String)
		if style.Typed {
			switch {
			case intFields[n]:
				t = arrow.PrimitiveTypes.Int64
			case floatFields[n]:
				t = arrow.PrimitiveTypes.Float64
			case n == "date":
				t = arrow.FixedWidthTypes.Date32
			}
		}
		kinds[i] = t
		addCol(colName(n), t)
	}
	if style.Typed {
		addCol(colName("timestamp(ms)"), &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"})
	}
	if style.DistributionID != "" {
		addCol("DistributionId", arrow.BinaryTypes.String)
	}
	dateCol, timeCol := -1, -1
	for i, n := range names {
		switch n {
		case "date":
			dateCol = i
		case "time":
			timeCol = i
		}
	}
	for ln, vals := range lines {
		if len(vals) != len(names) {
			return nil, fmt.Errorf("line %d: %d values for %d fields", ln+1, len(vals), len(names))
		}
		for i, v := range vals {
			b := builders[i]
			if style.Typed && v == "-" {
				b.AppendNull()
				continue
			}
			switch kinds[i].ID() {
			case arrow.INT64:
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("line %d: %s: %w", ln+1, names[i], err)
				}
				b.(*array.Int64Builder).Append(n)
			case arrow.FLOAT64:
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, fmt.Errorf("line %d: %s: %w", ln+1, names[i], err)
				}
				b.(*array.Float64Builder).Append(x)
			case arrow.DATE32:
				d, err := time.Parse("2006-01-02", v)
				if err != nil {
					return nil, fmt.Errorf("line %d: date: %w", ln+1, err)
				}
				b.(*array.Date32Builder).Append(arrow.Date32FromTime(d))
			default:
				b.(*array.StringBuilder).Append(v)
			}
		}
		k := len(names)
		if style.Typed {
			ts, err := time.Parse("2006-01-02 15:04:05", vals[dateCol]+" "+vals[timeCol])
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", ln+1, err)
			}
			builders[k].(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMilli()))
			k++
		}
		if style.DistributionID != "" {
			builders[k].(*array.StringBuilder).Append(style.DistributionID)
		}
	}
	cols := make([]arrow.Array, len(builders))
	for i, b := range builders {
		cols[i] = b.NewArray()
		defer cols[i].Release()
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(lines)))
	defer rec.Release()
	tbl := array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
	defer tbl.Release()
	var out bytes.Buffer
	group := style.RowsPerGroup
	if group <= 0 {
		group = max(int64(len(lines)), 1)
	}
	props := parquet.NewWriterProperties(parquet.WithAllocator(alloc))
	if err := pqarrow.WriteTable(tbl, &out, group, props, pqarrow.DefaultWriterProps()); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
