#!/usr/bin/env node
// Committed, executable entry point; the compiled service lives in ../dist after `npm run build`.
import '../dist/main.js';
