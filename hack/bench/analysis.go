package main

import _ "embed"

// analysis is the hand-written part of docs/performance.md: where the time goes and
// what was done about it. Keep it true to the figures the bench produces.
//
//go:embed analysis.md
var analysis string
