//go:build cgo

// Command duckconvert converts a CloudFront standard log (legacy W3C, 33
// fields, gzipped or plain) to one Parquet file with DuckDB 1.4, the way a
// DuckDB user would:
//
//	COPY (SELECT * FROM read_csv(FILE, delim = '\t', skip = 2, header = false,
//	        columns = {AWS's 33 columns and types}, …))
//	TO OUT (FORMAT parquet, COMPRESSION zstd)
//
// It is scripts/bench-ingest.sh's comparison for ingest --local. The
// columns are the names and types of AWS's Athena table for CloudFront
// standard logs (the first 33 columns of package dataset), and "-" reads as
// NULL, as it does in the dataset, so both write the same information.
//
//	duckconvert [--threads N] [--compression zstd] [--log FILE] [--explain] FILE OUT.parquet
//
// It prints one line: the DuckDB version, the threads, the rows written,
// and the seconds spent in COPY alone (the process's start, DuckDB's
// initialisation and exit are outside it; time the command for those).
// --log appends the same line to a file, for runs whose output a
// benchmark tool discards.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// columns is AWS's table for CloudFront standard logs ("Create a table for
// CloudFront standard logs", Amazon Athena User Guide) in DuckDB types:
// STRING is VARCHAR, INT is INTEGER, FLOAT is FLOAT (32-bit), BIGINT and
// DATE are themselves.
var columns = [][2]string{
	{"date", "DATE"}, {"time", "VARCHAR"}, {"x_edge_location", "VARCHAR"}, {"sc_bytes", "BIGINT"},
	{"c_ip", "VARCHAR"}, {"cs_method", "VARCHAR"}, {"cs_host", "VARCHAR"}, {"cs_uri_stem", "VARCHAR"},
	{"sc_status", "INTEGER"}, {"cs_referrer", "VARCHAR"}, {"cs_user_agent", "VARCHAR"}, {"cs_uri_query", "VARCHAR"},
	{"cs_cookie", "VARCHAR"}, {"x_edge_result_type", "VARCHAR"}, {"x_edge_request_id", "VARCHAR"}, {"x_host_header", "VARCHAR"},
	{"cs_protocol", "VARCHAR"}, {"cs_bytes", "BIGINT"}, {"time_taken", "FLOAT"}, {"x_forwarded_for", "VARCHAR"},
	{"ssl_protocol", "VARCHAR"}, {"ssl_cipher", "VARCHAR"}, {"x_edge_response_result_type", "VARCHAR"}, {"cs_protocol_version", "VARCHAR"},
	{"fle_status", "VARCHAR"}, {"fle_encrypted_fields", "INTEGER"}, {"c_port", "INTEGER"}, {"time_to_first_byte", "FLOAT"},
	{"x_edge_detailed_result_type", "VARCHAR"}, {"sc_content_type", "VARCHAR"}, {"sc_content_len", "BIGINT"}, {"sc_range_start", "BIGINT"},
	{"sc_range_end", "BIGINT"},
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Statement returns the COPY statement for in and out.
func statement(in, out, compression string) string {
	var cols strings.Builder
	for i, c := range columns {
		if i > 0 {
			cols.WriteString(", ")
		}
		fmt.Fprintf(&cols, "%s: %s", quote(c[0]), quote(c[1]))
	}
	comp := "auto" // from the file name: .gz is gzip
	if strings.HasSuffix(in, ".gz") {
		comp = "gzip"
	}
	// skip = 2: the #Version and #Fields lines. CloudFront neither quotes
	// nor escapes (it %-encodes tabs, spaces and quotes inside values), so
	// quote and escape are off; "-" is CloudFront's empty value.
	return fmt.Sprintf(`COPY (SELECT * FROM read_csv(%s, delim = '\t', skip = 2, header = false, auto_detect = false,
  quote = '', escape = '', nullstr = '-', compression = %s, columns = {%s}))
TO %s (FORMAT parquet, COMPRESSION %s)`, quote(in), quote(comp), cols.String(), quote(out), compression)
}

func main() {
	threads := flag.Int("threads", runtime.NumCPU(), "DuckDB worker threads")
	compression := flag.String("compression", "zstd", "Parquet compression codec")
	explain := flag.Bool("explain", false, "print the statement and exit")
	logFile := flag.String("log", "", "append the result line to this file too")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: duckconvert [--threads N] [--compression zstd] [--log FILE] [--explain] FILE OUT.parquet")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	q := statement(flag.Arg(0), flag.Arg(1), *compression)
	if *explain {
		fmt.Println(q)
		return
	}
	if err := run(q, *threads, *logFile); err != nil {
		fmt.Fprintln(os.Stderr, "duckconvert:", err)
		os.Exit(1)
	}
}

func run(q string, threads int, logFile string) error {
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // SET applies to the connection
	if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
		return err
	}
	var version string
	if err := db.QueryRow("SELECT version()").Scan(&version); err != nil {
		return err
	}
	t0 := time.Now()
	res, err := db.Exec(q)
	if err != nil {
		return err
	}
	copySeconds := time.Since(t0).Seconds()
	rows, _ := res.RowsAffected()
	line := fmt.Sprintf("duckdb=%s threads=%d rows=%d copy_seconds=%.3f\n", version, threads, rows, copySeconds)
	fmt.Print(line)
	if logFile != "" {
		f, err := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(line); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}
