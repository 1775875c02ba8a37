package dataset_test

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/loggen"
)

// A value the log gave unreadably is NULL in its column; the rest of the
// row is written. Read back with arrow-go.
func TestWriteInvalidValuesAsNull(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		good := []string{"2026-11-20", "21:02:31", "IAD89-C1", "1432", "192.0.2.7", "GET",
			"d111111abcdef8.cloudfront.net", "/index.html", "200", "-", "Mozilla/5.0", "-", "-", "Hit",
			"req", "app.example.com", "https", "812", "0.004", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256",
			"Hit", "HTTP/2.0", "-", "-", "50294", "0.001", "Hit", "text/html", "1053", "-", "-"}
		with := func(i int, v string) string {
			f := append([]string(nil), good...)
			f[i] = v
			return strings.Join(f, "\t")
		}
		bad := []struct {
			field int
			value string
			col   string
		}{
			{30, "570129.7648412298", "sc_content_len"},
			{8, "99999999999", "sc_status"},
			{3, "9223372036854775807", "sc_bytes"},
			{4, "300.1.2.3", "c_ip"},
			{18, "soon", "time_taken"},
			{26, "70000", "c_port"},
		}
		lines := []string{strings.Join(good, "\t")}
		for _, b := range bad {
			lines = append(lines, with(b.field, b.value))
		}
		recs := parquettest.ParseLog(t, []byte(loggen.Header+strings.Join(lines, "\n")+"\n"))
		if len(recs) != len(lines) {
			t.Fatalf("%d records from %d lines: a bad value lost its record", len(recs), len(lines))
		}
		data := writeParquet(t, recs, "E1", dataset.Options{Encoder: enc})
		values := parquettest.CheckTable(t, parquettest.ReadTable(t, data), recs, "E1", "")
		for i, b := range bad {
			row := i + 1
			if v := values[b.col][row]; v != nil {
				t.Errorf("row %d: %s is %v, want NULL for %q", row, b.col, v, b.value)
			}
			if v := values[b.col][0]; v == nil {
				t.Errorf("row 0: %s is NULL, want the good value", b.col)
			}
			if v := values["cs_uri_stem"][row]; v != "/index.html" {
				t.Errorf("row %d: the rest of the row is not written (cs_uri_stem %v)", row, v)
			}
		}
	})
}

// Long values do not grow the writer's memory without bound: a batch ends
// early when its rows are long, a dictionary stops at its limit even within
// a batch, and the page index keeps prefixes of long values, not copies.
// 300 rows with a 1 MiB user agent each keep far less than 300 MiB alive.
func TestWriteLongValuesBoundedMemory(t *testing.T) {
	recs := parquettest.ParseLog(t, generated(t))[:300]
	long := strings.Repeat("A", 1<<20)
	for i := range recs {
		recs[i].UserAgent = long[:len(long)-i] // 300 distinct values
		recs[i].URIStem = "/" + long[:len(long)/2-i]
	}
	// Sample the heap while the writer works (its workers encode
	// asynchronously, and most of the work is done by Close), collecting
	// often so that the heap in use stays close to what is live.
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse-min(base, ms.HeapInuse))
			select {
			case <-stop:
				done <- peak
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	w := dataset.NewWriter(discard{}, dataset.Options{})
	for i := range recs {
		if err := w.Write(&recs[i], "E1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	peak := <-done
	// The records' own strings share one 1 MiB value: what is live beyond
	// it is the writer's. Before the bounds it held several copies of every
	// value (dictionaries, page bounds): over 1 GiB.
	if limit := uint64(256 << 20); peak > limit {
		t.Errorf("writer holds %d MiB of 300 long rows, want at most %d MiB", peak>>20, limit>>20)
	}
	t.Logf("peak live heap %d MiB", peak>>20)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
