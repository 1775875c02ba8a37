// Package dataset writes CloudFront access logs as a Parquet dataset that
// Amazon Athena queries in place: Parquet files in Hive-style partitions that
// Athena's partition projection finds with no crawler.
//
//	w := dataset.NewWriter(out, dataset.Options{})
//	for each record of a log file (logparse.Reader) {
//		if err := w.Write(&rec, key.DistributionID); err != nil { … }
//	}
//	err := w.Close() // writes the footer
//
// and the file goes to PartitionPath(prefix, dist, hour) + "/" + name +
// ".parquet". DDL returns the CREATE EXTERNAL TABLE statement for the
// dataset.
//
// # Columns
//
// The Row type is the column list. The first 33 columns are AWS's documented
// Athena table for CloudFront standard logs, with the same names and types,
// so AWS's published queries run unchanged: date DATE, time STRING, sc_bytes
// BIGINT, sc_status INT, time_taken FLOAT and so on (see Row and Columns).
// Then this dataset's additions:
//
//   - request_time TIMESTAMP: when CloudFront finished the request, to the
//     millisecond when the log has timestamp(ms). Filter and sort on it
//     instead of concatenating date and time.
//   - distribution_id STRING: from the log (v2) or the object key.
//   - cs_uri_stem_decoded, cs_user_agent_decoded STRING: with CloudFront's
//     %XX escaping undone (logparse.Decode, once or twice), for readable
//     matches such as cs_user_agent_decoded LIKE '%Googlebot%'.
//   - asn BIGINT, c_country STRING, origin_fbl FLOAT, origin_lbl FLOAT,
//     cache_behavior_path_pattern STRING: standard logging v2's extra fields,
//     NULL for logs without them.
//
// Every string is valid UTF-8, as Parquet's STRING requires (DuckDB,
// polars and arrow-rs refuse a file with one value that is not): in the
// columns copied from the log, a byte that is not part of valid UTF-8 is
// %XX-escaped, as CloudFront logs such bytes; in the decoded columns it is
// replaced by U+FFFD ("/%FF" decodes to "/\uFFFD").
//
// A value the log did not give is NULL, never "-": strings are NULL when
// CloudFront logged "-" (an empty string is never stored); numbers are NULL
// when logparse.Record.Has says the field was absent, so a logged 0 stays 0.
// Legacy files with fewer fields (12, 19, 24, 26) have NULL in the columns
// they lack. date, time and request_time are never NULL.
//
// request_time is Parquet INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true),
// not nanoseconds (parquet-go's default for time.Time). A Hive table's
// TIMESTAMP in Athena has millisecond precision, and AWS states that "Athena
// and AWS Glue can handle only millisecond precision for TIMESTAMP values"
// (AWS DMS guide, S3 target): finer INT64 timestamps have been read as wrong
// dates or refused, while millisecond ones read as they are. CloudFront logs
// at most milliseconds anyway. (An Iceberg table would want MICROS; this is
// a Hive external table.)
//
// # Partitions
//
// Files are laid out as
//
//	<prefix>/distribution=E2QWRUHEXAMPLE/day=2026-11-20/hour=14/<name>.parquet
//
// Partition keys must not be column names, and "date" already is one (AWS's
// table has it), so the day partition is "day" ('YYYY-MM-DD', a string) and
// the hour partition "hour" (an int, written with two digits). The keys in
// the path are the partition columns' names, so the layout is also what
// MSCK REPAIR TABLE and Glue expect. DDL's TBLPROPERTIES project all three
// partitions (enum distributions, or injected when none are listed; a date
// range for day; 0–23 for hour) and give storage.location.template, so Athena
// computes the partitions a query needs instead of listing S3.
//
// A partition holds the records of its hour: package ingest writes one
// Parquet file per log file and hour its records fall in (CloudFront's files
// hold some records of the neighbouring hours), so filtering on day and hour
// is exact, and request_time narrows further.
//
// # Privacy
//
// CloudFront can log the Cookie header, and OAuth puts secrets in URLs: the
// callback's code and state, tokens, signed-URL signatures. None of these
// values reaches the dataset; their names do, because the detectors' evidence
// is made of names (is a next-auth cookie present, does the callback carry
// code and state):
//
//   - cs_cookie: every cookie value is replaced by [redacted], names kept
//     (RedactCookie). All values, not known-secret ones: session and CSRF
//     cookies have site-specific names, and analytics IDs identify people.
//   - cs_uri_query and cs_referrer: the values of secret-bearing parameters
//     (code, state, every *token, *secret, *password, *signature,
//     *credential, *_code, *_key (authCode, privateKey too), token_hash,
//     sig, key, authorization, session IDs, X-Amz-Signature,
//     X-Amz-Credential, X-Amz-Security-Token, …; see IsSecretParam) are
//     replaced, matched case-insensitively on the decoded name, at every
//     level of URL-encoding, including parameters of a URL encoded inside
//     another parameter and of a fragment ("#code=", "%23code%3D")
//     (RedactQuery). Values that look like JWTs or bearer credentials
//     ("Bearer …") go whatever their name.
//   - cs_user_agent (and so cs_user_agent_decoded): JWTs in it are replaced
//     (RedactUserAgent).
//
// Statistics and dictionaries are built from the redacted values, so no
// secret reaches the file's footer either. Paths (cs_uri_stem), the rest of
// the user agents and IP addresses are kept: the dataset is for operating
// the site.
//
// # Encoding, compression and sizes
//
// Every column is compressed with zstd at its fastest level
// (Options.CompressionLevel). On the benchmark file (1,000,000 generated
// records) the file takes 78.4 bytes a record. With parquet-go's writer,
// before this package encoded its own pages, it took 78.4 with zstd, 81.2
// with snappy and 127.5 uncompressed, the writer spent the same time
// (within 1%) with zstd as with snappy, and zstd's default level saved
// about 1% more for 5–15% more CPU. Most of a record is its request ID (56 of the 78 bytes):
// on the rest zstd is 11% smaller than snappy. Athena bills by bytes scanned
// and reads zstd Parquet natively, and the smaller file costs nothing here,
// so zstd. x_edge_request_id is stored uncompressed: it is random base64,
// and zstd gained nothing on it (56 MB in, 56 MB out).
//
// Strings with few distinct values per file (edge location, client IP,
// method, host, result types, protocol, TLS, content type, user agent,
// referrer, path, query, redacted cookies, distribution), sc_status and date
// are dictionary-encoded (the "dict" tags on Row): a page holds small
// integer indexes, which compress to almost nothing, and Athena can filter
// on the dictionary. A column whose dictionary outgrows
// Options.DictionaryBytes (DefaultDictionaryBytes) in a row group falls back
// to PLAIN pages for the rest of it, as parquet-java does. The other strings
// are PLAIN: request IDs are unique; the time of day changes every second,
// and sorted it compresses as well without a dictionary. INT64 columns are
// DELTA_BINARY_PACKED: request_time is sorted and shrinks from 8 bytes a
// value to about 1.3 before compression; Trino (so Athena engine v3) and
// Arrow read it. Data pages are version 1, the layout every Parquet reader
// supports; their headers' statistics hold the page's null count only, since
// the page index holds the min/max.
//
// Row groups hold up to DefaultRowGroupRows rows or DefaultRowGroupBytes
// (128 MiB) of buffered data, whichever comes first. Athena splits work by
// row group and prunes row groups by their statistics, and 128 MiB is the
// usual Parquet block size for it; a log file of up to a million records
// (about 80 MB of Parquet) is one row group. The limits also bound the
// writer's memory, which holds the current row group's compressed pages.
// Pages are 128 KiB uncompressed (DefaultPageBytes), an eighth of
// parquet-mr's default: a column's open page stays in the CPU's cache while
// it fills and is compressed (with parquet-go's writer, 1 MiB pages made
// the file 1.6% smaller and ingest 8% slower, with 30–40 MB more memory),
// and the page index can narrow a scan more. Every column chunk has min/max
// statistics and a null count (request_time's let Athena skip row groups
// outside a time range), and the file has a page index: a column index
// (each page's min, max and null count; strings cut to 64 bytes, the max
// rounded up) and an offset index.
//
// # Speed
//
// Write stores a record's fields in a batch on the caller's goroutine
// (redaction included); the Writer's column workers encode the batch's
// columns into pages while Write goes on. The column chunks are encoded
// here (column.go, stats.go, dict.go, file.go), not by parquet-go's writer, which
// handles every cell as a parquet.Value through an interface and took most
// of ingest's time: here a column's values go straight from the batch into
// page bytes. The savings, per value:
//
//   - Dictionaries (stringDict) answer a value equal to the row before
//     without hashing: consecutive log lines share their user agent,
//     referrer or edge location 55–60% of the time.
//   - A page's min and max come from its distinct dictionary entries, not
//     from a comparison per row.
//   - c_ip is kept as a netip.Addr until its column writer formats it, once
//     per distinct address; cs_uri_stem_decoded and cs_user_agent_decoded
//     are decoded once per distinct source value, from their source
//     columns.
//
// parquet-go still defines the schema (Row) and the footer's schema
// elements, reads the files (Reader), and provides the RLE/bit-packing and
// delta encoders, the Thrift structures and zstd. Tests read every file back
// with Apache Arrow's reader, and hold each column chunk's statistics and
// each page index entry to the values read.
//
// On this project's 2-core machine, 1,000,000 records written to
// io.Discard take 0.52–0.60 s (0.84 s with parquet-go's writer), and the
// whole path from the gzipped log (decompress, parse, write) takes
// 0.86–0.95 s against 0.68 s to decompress alone (1.27–1.39×).
// bench_test.go has the benchmarks and the profile.
//
// # Encoders
//
// Options.Encoder chooses who encodes the columns: EncoderNative (the
// default, column.go and the files below) or EncoderParquetGo (parquet-go's
// GenericWriter, parquetgo.go), kept as the native encoder's oracle and as
// a fallback that is an option flip (ingest's CFWATCH_PARQUET_ENCODER,
// --parquet-encoder), not a release. Both sit behind the Writer's encoder
// interface (encoder.go); Write, redaction, batches and row group limits
// are shared. differential_test.go holds them to each other (values,
// schema, row groups, column chunk statistics, as arrow-go and DuckDB read
// them); FuzzEncoder reads random rows back through arrow-go.
//
// Where the native encoder implements parquet-format
// (https://github.com/apache/parquet-format, README.md, Encodings.md,
// PageIndex.md and parquet.thrift; "thrift:" names a struct there):
//
//   - File layout, "PAR1" magic, footer length: file.go (fileWriter; the
//     README's "File Format").
//   - File footer, thrift:FileMetaData (schema elements taken from
//     parquet-go's writer for Row, key/value metadata, created_by,
//     thrift:ColumnOrder TypeDefinedOrder): file.go (fileWriter.close).
//   - Row groups, thrift:RowGroup: file.go (writeRowGroup).
//   - Column chunk metadata, thrift:ColumnChunk and thrift:ColumnMetaData
//     (encodings, thrift:PageEncodingStats, offsets, sizes, codec):
//     column.go (writeChunk, encodings, encodingStats).
//   - Page header, thrift:PageHeader: column.go (appendPage; the Thrift
//     compact protocol is parquet-go's encoding/thrift).
//   - Data page v1, thrift:DataPageHeader (definition levels, then values;
//     "Data Pages" in the README): column.go (flushPage). No data page v2.
//   - Dictionary page, thrift:DictionaryPageHeader, PLAIN values; data
//     pages RLE_DICTIONARY (bit width byte, then the hybrid); fallback to
//     PLAIN past a size ("Dictionary Encoding" in Encodings.md): column.go
//     (writeChunk, flushPage, endDict), dict.go (the dictionaries).
//   - PLAIN encoding (Encodings.md): column.go (plainString, writeNumbers,
//     writeTimes), dict.go (appendPlain).
//   - RLE/bit-packed hybrid (Encodings.md "Run Length Encoding /
//     Bit-Packing Hybrid"), for definition levels (with the v1 page's
//     4-byte length prefix) and dictionary indexes: column.go (flushPage),
//     through parquet-go's encoding/rle.
//   - DELTA_BINARY_PACKED (Encodings.md): column.go (flushPage), through
//     parquet-go's encoding/delta.
//   - Statistics, thrift:Statistics (min_value/max_value, null_count; NaN
//     left out; page headers carry the null count only): stats.go (bounds),
//     column.go (flushPage, writeChunk).
//   - Page index, thrift:ColumnIndex (min/max truncated, null pages, null
//     counts, boundary order) and thrift:OffsetIndex (PageIndex.md):
//     stats.go (truncateMin, truncateMax, boundaryOrder), column.go
//     (flushPage), file.go (written before the footer).
//   - Compression, thrift:CompressionCodec ZSTD (or UNCOMPRESSED per
//     column): column.go (appendPage), through parquet-go's compress/zstd.
//   - Logical types, thrift:LogicalType (STRING, DATE, TIMESTAMP(MILLIS,
//     UTC)): Row's tags, through parquet-go's schema (row.go, file.go).
//
// # Reading
//
// Reader reads a file back as logparse.Records, the columns asked for only,
// a batch of rows at a time, so that the detectors and the traffic picture
// run on the dataset as on the logs (report --source DATASET). A record read
// back is the record written, but for the redactions above, times to the
// millisecond, floats through float32, and DistributionID from
// distribution_id; Record.Has follows the NULL rules. RecordBuilder turns a
// Row into a Record the same way (see read.go).
package dataset
