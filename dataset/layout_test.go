package dataset_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/parquettest"
)

// The Writer encodes the column chunks itself (column.go), so these tests
// hold what a file says about its values (statistics, page index,
// encodings) to the values Arrow's reader reads from it.

// TestWriteLayout: every column chunk's null count and min/max, and every
// page's entry in the column and offset indexes, agree with the values read
// back; page locations are in order and cover the row group.
func TestWriteLayout(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))
		opts := dataset.Options{Encoder: enc, RowGroupRows: 7000, PageBytes: 8 << 10, DistributionID: "EDEFAULT"}
		data := writeParquet(t, recs, "", opts)
		tbl := parquettest.ReadTable(t, data)
		defer tbl.Release()
		values := parquettest.CheckTable(t, tbl, recs, "", "EDEFAULT")

		rdr, err := file.NewParquetReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Close()
		md := rdr.MetaData()
		pix := rdr.GetPageIndexReader()
		first := int64(0)
		pages := 0
		for g := range md.NumRowGroups() {
			rg := md.RowGroup(g)
			n := rg.NumRows()
			rgIdx, err := pix.RowGroup(g)
			if err != nil {
				t.Fatal(err)
			}
			for c, col := range dataset.Columns() {
				vals := values[col.Name][first : first+n]
				cc, err := rg.ColumnChunk(c)
				if err != nil {
					t.Fatal(err)
				}
				st, err := cc.Statistics()
				if err != nil {
					t.Fatal(err)
				}
				lo, hi, nulls := valueBounds(vals)
				if st.NullCount() != nulls {
					t.Errorf("row group %d %s: null count %d, want %d", g, col.Name, st.NullCount(), nulls)
				}
				if lo == nil {
					if st.HasMinMax() {
						t.Errorf("row group %d %s: min/max on a column of NULLs", g, col.Name)
					}
				} else if !st.HasMinMax() || !bytes.Equal(st.EncodeMin(), plain(lo)) || !bytes.Equal(st.EncodeMax(), plain(hi)) {
					t.Errorf("row group %d %s: statistics %q–%q, values %v–%v", g, col.Name, st.EncodeMin(), st.EncodeMax(), lo, hi)
				}

				ci, err := rgIdx.GetColumnIndex(c)
				if err != nil {
					t.Fatal(err)
				}
				oi, err := rgIdx.GetOffsetIndex(c)
				if err != nil {
					t.Fatal(err)
				}
				locs := oi.GetPageLocations()
				if len(locs) == 0 || locs[0].FirstRowIndex != 0 {
					t.Fatalf("row group %d %s: page locations %v", g, col.Name, locs)
				}
				for k, loc := range locs {
					end := n
					if k+1 < len(locs) {
						end = locs[k+1].FirstRowIndex
						if end <= loc.FirstRowIndex || locs[k+1].Offset != loc.Offset+int64(loc.CompressedPageSize) {
							t.Fatalf("row group %d %s: pages %d and %d are not in order: %v, %v", g, col.Name, k, k+1, loc, locs[k+1])
						}
					}
					checkPage(t, col.Name, ci, k, vals[loc.FirstRowIndex:end])
					pages++
				}
				if order := ci.GetBoundaryOrder(); order != metadata.Unordered && lo != nil {
					mins := ci.GetMinValues()
					for k := 1; k < len(mins); k++ {
						if ci.GetNullPages()[k] || ci.GetNullPages()[k-1] {
							continue
						}
						if cmp := compareAny(decode(mins[k-1], lo), decode(mins[k], lo)); order == metadata.Ascending && cmp > 0 || order == metadata.Descending && cmp < 0 {
							t.Errorf("row group %d %s: boundary order %v, yet pages %d and %d", g, col.Name, order, k-1, k)
						}
					}
				}
			}
			first += n
		}
		if first != int64(len(recs)) {
			t.Errorf("row groups hold %d rows, want %d", first, len(recs))
		}
		t.Logf("%d row groups, %d pages checked", md.NumRowGroups(), pages)
	})
}

// checkPage checks page k's column index entry against the page's values.
// String bounds may be truncated, so they need only bound the values.
func checkPage(t *testing.T, name string, ci metadata.ColumnIndex, k int, vals []any) {
	t.Helper()
	lo, hi, nulls := valueBounds(vals)
	if ci.GetNullCounts()[k] != nulls {
		t.Errorf("%s page %d: null count %d, want %d", name, k, ci.GetNullCounts()[k], nulls)
	}
	if ci.GetNullPages()[k] != (lo == nil) {
		t.Errorf("%s page %d: null page %v with %d NULLs of %d", name, k, ci.GetNullPages()[k], nulls, len(vals))
	}
	if lo == nil {
		return
	}
	min, max := ci.GetMinValues()[k], ci.GetMaxValues()[k]
	if _, ok := lo.(string); ok {
		if bytes.Compare(min, plain(lo)) > 0 || bytes.Compare(max, plain(hi)) < 0 {
			t.Errorf("%s page %d: index %q–%q does not bound %q–%q", name, k, min, max, lo, hi)
		}
		return
	}
	if !bytes.Equal(min, plain(lo)) || !bytes.Equal(max, plain(hi)) {
		t.Errorf("%s page %d: index %v–%v, values %v–%v", name, k, min, max, lo, hi)
	}
}

// valueBounds returns the least and greatest non-NULL value (nil when all
// are NULL) and the number of NULLs.
func valueBounds(vals []any) (lo, hi any, nulls int64) {
	for _, v := range vals {
		switch {
		case v == nil:
			nulls++
		case lo == nil:
			lo, hi = v, v
		case compareAny(v, lo) < 0:
			lo = v
		case compareAny(v, hi) > 0:
			hi = v
		}
	}
	return lo, hi, nulls
}

func compareAny(a, b any) int {
	switch a := a.(type) {
	case string:
		return bytes.Compare([]byte(a), []byte(b.(string)))
	case int64:
		return cmpNum(a, b.(int64))
	case int32:
		return cmpNum(a, b.(int32))
	case float32:
		return cmpNum(a, b.(float32))
	case arrow.Date32:
		return cmpNum(a, b.(arrow.Date32))
	case arrow.Timestamp:
		return cmpNum(a, b.(arrow.Timestamp))
	}
	panic("unexpected type")
}

func cmpNum[T int64 | int32 | float32 | arrow.Date32 | arrow.Timestamp](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// plain encodes a value as Parquet's PLAIN encoding does (statistics and
// the page index hold values so).
func plain(v any) []byte {
	switch v := v.(type) {
	case string:
		return []byte(v)
	case int64:
		return binary.LittleEndian.AppendUint64(nil, uint64(v))
	case arrow.Timestamp:
		return binary.LittleEndian.AppendUint64(nil, uint64(v))
	case int32:
		return binary.LittleEndian.AppendUint32(nil, uint32(v))
	case arrow.Date32:
		return binary.LittleEndian.AppendUint32(nil, uint32(v))
	case float32:
		return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v))
	}
	panic("unexpected type")
}

// decode is plain's inverse, for a value of like's type.
func decode(b []byte, like any) any {
	switch like.(type) {
	case string:
		return string(b)
	case int64:
		return int64(binary.LittleEndian.Uint64(b))
	case arrow.Timestamp:
		return arrow.Timestamp(binary.LittleEndian.Uint64(b))
	case int32:
		return int32(binary.LittleEndian.Uint32(b))
	case arrow.Date32:
		return arrow.Date32(binary.LittleEndian.Uint32(b))
	case float32:
		return math.Float32frombits(binary.LittleEndian.Uint32(b))
	}
	return nil
}

// TestWriteDictionaryFallback: a column whose dictionary outgrows
// DictionaryBytes switches to PLAIN pages for the rest of the row group,
// and reads back the same.
func TestWriteDictionaryFallback(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		recs := parquettest.ParseLog(t, generated(t))
		data := writeParquet(t, recs, "E1", dataset.Options{Encoder: enc, DictionaryBytes: 1 << 10, PageBytes: 8 << 10})
		tbl := parquettest.ReadTable(t, data)
		defer tbl.Release()
		parquettest.CheckTable(t, tbl, recs, "E1", "")

		rdr, err := file.NewParquetReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Close()
		// Count the data pages by encoding, reading their headers.
		pages := func(name string) (dict, plainPages int) {
			pr, err := rdr.RowGroup(0).GetColumnPageReader(rdr.MetaData().Schema.ColumnIndexByName(name))
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			for pr.Next() {
				p := pr.Page()
				if p.Type() != file.PageTypeDataPage {
					continue
				}
				switch parquet.Encoding(p.Encoding()) {
				case parquet.Encodings.RLEDict:
					dict++
				case parquet.Encodings.Plain:
					plainPages++
				}
			}
			if err := pr.Err(); err != nil {
				t.Fatal(err)
			}
			return dict, plainPages
		}
		// Paths, client IPs and user agents have more than 1 KiB of distinct
		// values (c_ip and the decoded columns are written from their own
		// dictionaries of addresses and source values, see column.go); HTTP
		// methods do not.
		for _, name := range []string{"cs_uri_stem", "cs_uri_stem_decoded", "cs_user_agent_decoded", "c_ip"} {
			if d, p := pages(name); d == 0 || p == 0 {
				t.Errorf("%s: %d dictionary pages, %d PLAIN pages; want both", name, d, p)
			}
		}
		if d, p := pages("cs_method"); d == 0 || p != 0 {
			t.Errorf("cs_method: %d dictionary pages, %d PLAIN pages; want dictionary pages only", d, p)
		}
	})
}
