// Package docstest holds the tests of the repository's Markdown
// documentation (README.md and docs/*.md): every relative link points at a
// file that exists and every #anchor at a heading of its page, every page
// of docs/ is reachable from the README, and the pages speak in the
// project's own terms. It has no code of its own.
package docstest
