// Package locales embeds the message catalogs (zh-Hans default, en).
package locales

import "embed"

// FS holds one JSON catalog per language: active.<lang>.json.
//
//go:embed *.json
var FS embed.FS
