module github.com/cfwatch/cfwatch

go 1.26

require (
	github.com/dustin/go-humanize v1.1.0
	github.com/klauspost/compress v1.20.3
	github.com/spf13/pflag v1.0.10
)
