package dataset_test

import (
	"fmt"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
)

func ExamplePartitionPath() {
	hour := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	fmt.Println(dataset.PartitionPath("s3://bucket/cloudfront", "E2QWRUHEXAMPLE", hour) + "/E2QWRUHEXAMPLE.2026-11-20-14.a1b2c3d4.parquet")
	// Output:
	// s3://bucket/cloudfront/distribution=E2QWRUHEXAMPLE/day=2026-11-20/hour=14/E2QWRUHEXAMPLE.2026-11-20-14.a1b2c3d4.parquet
}

func ExampleRedactQuery() {
	fmt.Println(dataset.RedactQuery("code=xyz&state=abc&page=2"))
	fmt.Println(dataset.RedactQuery("https://app.example.com/api/auth/signin?callbackUrl=https%3A%2F%2Fapp.example.com%2Fcb%3Fcode%3Dxyz"))
	fmt.Println(dataset.RedactCookie("__Secure-next-auth.session-token=abc;%20_ga=GA1.1"))
	// Output:
	// code=[redacted]&state=[redacted]&page=2
	// https://app.example.com/api/auth/signin?callbackUrl=https%3A%2F%2Fapp.example.com%2Fcb%3Fcode%3D[redacted]
	// __Secure-next-auth.session-token=[redacted];%20_ga=[redacted]
}

func ExampleDDL() {
	fmt.Println(dataset.DDL(dataset.DDLOptions{
		Table:         "cloudfront_logs",
		Location:      "s3://bucket/cloudfront/",
		Distributions: []string{"E2QWRUHEXAMPLE"},
		FirstDay:      "2026-01-01",
	}))
	// Output:
	// CREATE EXTERNAL TABLE IF NOT EXISTS `cloudfront_logs` (
	//   `date` date,
	//   `time` string,
	//   `x_edge_location` string,
	//   `sc_bytes` bigint,
	//   `c_ip` string,
	//   `cs_method` string,
	//   `cs_host` string,
	//   `cs_uri_stem` string,
	//   `sc_status` int,
	//   `cs_referrer` string,
	//   `cs_user_agent` string,
	//   `cs_uri_query` string,
	//   `cs_cookie` string,
	//   `x_edge_result_type` string,
	//   `x_edge_request_id` string,
	//   `x_host_header` string,
	//   `cs_protocol` string,
	//   `cs_bytes` bigint,
	//   `time_taken` float,
	//   `x_forwarded_for` string,
	//   `ssl_protocol` string,
	//   `ssl_cipher` string,
	//   `x_edge_response_result_type` string,
	//   `cs_protocol_version` string,
	//   `fle_status` string,
	//   `fle_encrypted_fields` int,
	//   `c_port` int,
	//   `time_to_first_byte` float,
	//   `x_edge_detailed_result_type` string,
	//   `sc_content_type` string,
	//   `sc_content_len` bigint,
	//   `sc_range_start` bigint,
	//   `sc_range_end` bigint,
	//   `request_time` timestamp,
	//   `distribution_id` string,
	//   `cs_uri_stem_decoded` string,
	//   `cs_user_agent_decoded` string,
	//   `asn` bigint,
	//   `c_country` string,
	//   `origin_fbl` float,
	//   `origin_lbl` float,
	//   `cache_behavior_path_pattern` string
	// )
	// PARTITIONED BY (
	//   `distribution` string,
	//   `day` string,
	//   `hour` int
	// )
	// STORED AS PARQUET
	// LOCATION 's3://bucket/cloudfront/'
	// TBLPROPERTIES (
	//   'projection.enabled'='true',
	//   'projection.distribution.type'='enum',
	//   'projection.distribution.values'='E2QWRUHEXAMPLE',
	//   'projection.day.type'='date',
	//   'projection.day.format'='yyyy-MM-dd',
	//   'projection.day.range'='2026-01-01,NOW',
	//   'projection.day.interval'='1',
	//   'projection.day.interval.unit'='DAYS',
	//   'projection.hour.type'='integer',
	//   'projection.hour.range'='0,23',
	//   'projection.hour.digits'='2',
	//   'storage.location.template'='s3://bucket/cloudfront/distribution=${distribution}/day=${day}/hour=${hour}/',
	//   'parquet.compression'='ZSTD',
	//   'cfwatch.dataset'='cloudfront-standard/v1'
	// )
}
