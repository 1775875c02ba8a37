package logparse_test

import (
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/logparse"
)

func TestParseKey(t *testing.T) {
	hour := func(y, m, d, h int) time.Time { return time.Date(y, time.Month(m), d, h, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		key    string
		ok     bool
		dist   string
		hour   time.Time
		layout logparse.KeyLayout
	}{
		{"prefix/EDFDVBD6EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz", true, "EDFDVBD6EXAMPLE", hour(2019, 11, 14, 20), logparse.LayoutLegacy},
		{"EDFDVBD6EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz", true, "EDFDVBD6EXAMPLE", hour(2019, 11, 14, 20), logparse.LayoutLegacy},
		{"a/b/c/E1Z5N5X273TPT1.2026-04-04-12.27178cb4.gz", true, "E1Z5N5X273TPT1", hour(2026, 4, 4, 12), logparse.LayoutLegacy},
		{"AAAAAAAAAAAAAA.2015-10-19-17.e5b6526a", true, "AAAAAAAAAAAAAA", hour(2015, 10, 19, 17), logparse.LayoutLegacy},
		{"logs/E2QW.2019-11-14-20.x.gz", false, "", time.Time{}, 0}, // ID too short
		{"logs/EDFDVBD6EXAMPLE.2019-11-14-20.a1B2c3D4e5F6g7H8i9.gz", true, "EDFDVBD6EXAMPLE", hour(2019, 11, 14, 20), logparse.LayoutLegacy},
		{"logs/EDFDVBD6EXAMPLE.2019-02-30-20.abc.gz", false, "", time.Time{}, 0}, // no such day
		{"logs/EDFDVBD6EXAMPLE.2019-11-14-24.abc.gz", false, "", time.Time{}, 0}, // no such hour
		{"cf-logs/E2QWRUHEXAMPLE/2024/11/14/21/E2QWRUHEXAMPLE.2024-11-14-21.ab12cd34.gz", true, "E2QWRUHEXAMPLE", hour(2024, 11, 14, 21), logparse.LayoutV2Path},
		{"E2QWRUHEXAMPLE/2024/11/14/21/part-0001.log.gz", true, "E2QWRUHEXAMPLE", hour(2024, 11, 14, 21), logparse.LayoutV2Path},
		{"cf/DistributionId=E2QWRUHEXAMPLE/year=2024/month=11/day=14/hour=21/E2QWRUHEXAMPLE.2024-11-14-21.ab12cd34.gz", true, "E2QWRUHEXAMPLE", hour(2024, 11, 14, 21), logparse.LayoutV2Hive},
		{"DistributionId=E2QWRUHEXAMPLE/year=2024/month=1/day=4/hour=3/x.gz", true, "E2QWRUHEXAMPLE", hour(2024, 1, 4, 3), logparse.LayoutV2Hive},
		{"cloudfront-v2/2024/11/14/21/cfwatch-logs-1-2024-11-14-21-58-03-3f1e8b7c-2d4a-4c1b-9e7f-0a1b2c3d4e5f.gz", true, "", hour(2024, 11, 14, 21), logparse.LayoutFirehose},
		{"2024/11/14/21/PUT-S3-abcde-2-2024-11-14-21-00-00-3F1E8B7C-2D4A-4C1B-9E7F-0A1B2C3D4E5F", true, "", hour(2024, 11, 14, 21), logparse.LayoutFirehose},
		{"x/2024/11/14/21/stream-1-2024-11-14-21-58-03-not-a-uuid.gz", false, "", time.Time{}, 0},
		{"x/2024/11/14/25/stream-1-2024-11-14-21-58-03-3f1e8b7c-2d4a-4c1b-9e7f-0a1b2c3d4e5f.gz", false, "", time.Time{}, 0},
		{"logs/readme.txt", false, "", time.Time{}, 0},
		{"", false, "", time.Time{}, 0},
		{"cfwatch/dataset/distribution=E2QW/date=2024-11-14/hour=21/part.parquet", false, "", time.Time{}, 0},
	} {
		k, ok := logparse.ParseKey(c.key)
		if ok != c.ok || k.DistributionID != c.dist || !k.Hour.Equal(c.hour) || k.Layout != c.layout {
			t.Errorf("ParseKey(%q) = %+v, %v; want %s %v %v, %v", c.key, k, ok, c.dist, c.hour, c.layout, c.ok)
		}
	}
}
