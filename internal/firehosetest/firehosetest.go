// Package firehosetest writes what CloudFront's standard logging v2
// delivers through Amazon Data Firehose, from W3C log files, for the tests
// of the S3 paths of report and ingest.
package firehosetest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Object turns a W3C log file (gzipped) into what standard logging v2
// delivers through Firehose: its records as JSON objects of strings, with
// the DistributionId field when distributionID is not "", back to back
// with no newline between them, gzipped.
func Object(t testing.TB, w3c, distributionID string) []byte {
	t.Helper()
	f, err := os.Open(w3c)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#Fields: "); ok {
			fields = strings.Fields(rest)
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		values := strings.Split(line, "\t")
		obj := make(map[string]string, len(fields))
		for i, name := range fields {
			obj[name] = values[i]
		}
		if distributionID != "" {
			obj["DistributionId"] = distributionID // a v2 field a delivery can include
		}
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(b) // back to back, as Firehose concatenates records
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Key is the key Firehose gives the i-th object delivered for the hour
// its records hold, under prefix ("cf-v2/"): prefix/YYYY/MM/DD/HH/
// STREAM-1-YYYY-MM-DD-HH-MM-SS-UUID.gz, delivered an hour later.
func Key(prefix string, hour time.Time, i int) string {
	delivered := hour.Add(time.Hour + time.Duration(i)*time.Second)
	return prefix + hour.Format("2006/01/02/15/") + "cloudfront-logs-1-" + delivered.Format("2006-01-02-15-04-05") +
		fmt.Sprintf("-0f8b2c1e-4a5d-4e6f-9a7b-%012x.gz", i)
}
