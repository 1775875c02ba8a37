package dataset_test

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/parquettest"
)

// TestPageHeaderNullCount: every data page header, decoded by Arrow's page
// reader, states the page's null count, and it is the column index's and
// the count of NULLs among the page's rows as read back.
func TestPageHeaderNullCount(t *testing.T) {
	recs := parquettest.ParseLog(t, generated(t))
	data := writeParquet(t, recs, "", dataset.Options{RowGroupRows: 7000, PageBytes: 4 << 10})
	values := parquettest.CheckTable(t, parquettest.ReadTable(t, data), recs, "", "")

	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	pix := rdr.GetPageIndexReader()
	var pages, withNulls, noNulls int
	first := int64(0)
	for g := range rdr.NumRowGroups() {
		rg := rdr.RowGroup(g)
		idx, err := pix.RowGroup(g)
		if err != nil {
			t.Fatal(err)
		}
		n := rg.NumRows()
		for c, col := range dataset.Columns() {
			ci, err := idx.GetColumnIndex(c)
			if err != nil {
				t.Fatal(err)
			}
			oi, err := idx.GetOffsetIndex(c)
			if err != nil {
				t.Fatal(err)
			}
			locs := oi.GetPageLocations()
			want := ci.GetNullCounts()
			pr, err := rg.GetColumnPageReader(c)
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			for pr.Next() {
				dp, ok := pr.Page().(file.DataPage)
				if !ok {
					continue // the dictionary page
				}
				if k >= len(want) {
					t.Fatalf("row group %d %s: more data pages than column index entries (%d)", g, col.Name, len(want))
				}
				end := n
				if k+1 < len(locs) {
					end = locs[k+1].FirstRowIndex
				}
				var nulls int64
				for _, v := range values[col.Name][first+locs[k].FirstRowIndex : first+end] {
					if v == nil {
						nulls++
					}
				}
				st := dp.Statistics()
				switch {
				case !st.HasNullCount:
					t.Errorf("row group %d %s page %d: header has no null_count", g, col.Name, k)
				case st.NullCount != want[k] || st.NullCount != nulls:
					t.Errorf("row group %d %s page %d: header null_count %d, column index %d, rows read %d",
						g, col.Name, k, st.NullCount, want[k], nulls)
				}
				if nulls > 0 {
					withNulls++
				} else {
					noNulls++
				}
				pages++
				k++
			}
			if err := pr.Err(); err != nil {
				t.Fatal(err)
			}
			if k != len(want) {
				t.Errorf("row group %d %s: %d data pages, column index has %d", g, col.Name, k, len(want))
			}
		}
		first += n
	}
	if withNulls == 0 || noNulls == 0 {
		t.Fatalf("not a test: %d pages with NULLs, %d without", withNulls, noNulls)
	}
	t.Logf("%d pages (%d with NULLs)", pages, withNulls)
}
