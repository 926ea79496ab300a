// The suite's temp dir: created under $TMPDIR, removed afterwards with several threads,
// since unlink is slow on some filesystems (ext4 mounted with `discard` takes milliseconds
// per file, and a run leaves about 2,000 files and directories).
#pragma once

#include <string>

namespace mv::conformance {

// A new empty directory $TMPDIR/mv-conformance.XXXXXX (/tmp without TMPDIR); "" on failure.
std::string MakeWorkDir();

// Removes `dir` and everything under it, deepest entries first, `threads` at a time.
// Best effort: entries that cannot be removed are left.
void RemoveTree(const std::string& dir, int threads);

}  // namespace mv::conformance
