package slacktest

import (
	"encoding/json"
	"unicode/utf8"
)

// Block Kit limits that Slack enforces with invalid_blocks.
const (
	maxBlocks          = 50
	maxHeaderText      = 150
	maxSectionText     = 3000
	maxFields          = 10
	maxFieldText       = 2000
	maxContextElements = 10
)

type textObject struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Emoji    *bool  `json:"emoji,omitempty"`
	Verbatim *bool  `json:"verbatim,omitempty"`
}

type block struct {
	Type     string        `json:"type"`
	Text     *textObject   `json:"text"`
	Fields   []*textObject `json:"fields"`
	Elements []*textObject `json:"elements"`
}

// checkBlocks returns "invalid_blocks" when raw is not a Block Kit array
// within Slack's limits for the block types cfwatch uses (header, section,
// context, divider), else "".
func checkBlocks(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var bs []block
	if err := json.Unmarshal(raw, &bs); err != nil || len(bs) > maxBlocks {
		return "invalid_blocks"
	}
	for _, b := range bs {
		if !validBlock(b) {
			return "invalid_blocks"
		}
	}
	return ""
}

func validBlock(b block) bool {
	switch b.Type {
	case "divider":
		return true
	case "header":
		return b.Text != nil && b.Text.Type == "plain_text" && validText(b.Text, maxHeaderText)
	case "section":
		if b.Text == nil && len(b.Fields) == 0 {
			return false
		}
		if b.Text != nil && !validText(b.Text, maxSectionText) {
			return false
		}
		if len(b.Fields) > maxFields {
			return false
		}
		for _, f := range b.Fields {
			if !validText(f, maxFieldText) {
				return false
			}
		}
		return true
	case "context":
		if len(b.Elements) == 0 || len(b.Elements) > maxContextElements {
			return false
		}
		for _, e := range b.Elements {
			if !validText(e, maxSectionText) {
				return false
			}
		}
		return true
	}
	return false
}

func validText(t *textObject, max int) bool {
	if t == nil || t.Text == "" || utf8.RuneCountInString(t.Text) > max {
		return false
	}
	switch t.Type {
	case "plain_text":
		return t.Verbatim == nil // verbatim is for mrkdwn only
	case "mrkdwn":
		return t.Emoji == nil // emoji is for plain_text only
	}
	return false
}
