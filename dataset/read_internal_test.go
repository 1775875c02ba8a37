package dataset

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// TestStringOffsets: the Reader sets every string column of Row, in the
// field whose tag names the column.
func TestStringOffsets(t *testing.T) {
	rt := reflect.TypeFor[Row]()
	for c := range numColumns {
		f, ok := rt.FieldByNameFunc(func(name string) bool {
			sf, _ := rt.FieldByName(name)
			return strings.Split(sf.Tag.Get("parquet"), ",")[0] == colNames[c]
		})
		if !ok {
			t.Fatalf("no Row field for column %s", colNames[c])
		}
		off, has := stringOffsets[c]
		if want := f.Type.Kind() == reflect.String; has != want {
			t.Errorf("column %s: offset listed %v, string field %v", colNames[c], has, want)
			continue
		}
		if has && off != f.Offset {
			t.Errorf("column %s: offset %d, field %s is at %d", colNames[c], off, f.Name, f.Offset)
		}
	}
	var r Row
	*(*string)(unsafe.Add(unsafe.Pointer(&r), stringOffsets[colMethod])) = "GET"
	if r.Method != "GET" {
		t.Error("offset of cs_method does not reach Row.Method")
	}
}
