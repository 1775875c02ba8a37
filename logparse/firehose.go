package logparse

import "strings"

// splitObjects cuts a line that holds JSON objects back to back, as
// Firehose concatenates records ("{…}{…}", with or without spaces between
// them), after its first object: it returns that object and the rest, which
// starts with '{'. A line with one object, or with anything but another
// object after it, is returned whole (the parser reports what is wrong).
func splitObjects(line string) (first, rest string) {
	depth := 0
	inStr := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				tail := strings.TrimLeft(line[i+1:], " \t\r\n")
				if strings.HasPrefix(tail, "{") {
					return line[:i+1], tail
				}
				return line, ""
			}
		}
	}
	return line, ""
}
