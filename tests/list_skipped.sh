#!/usr/bin/env bash
# Lists the tests of the last ctest run in each BUILD_DIR that were skipped, with the reason
# each gave: ctest itself names them ("The following tests did not run") but not why.
# ctest runs it after every run (CTEST_CUSTOM_POST_TEST, tests/CTestCustom.cmake.in);
# launch/quickstart.sh runs it once at the end for all its build directories.
#
#   tests/list_skipped.sh BUILD_DIR...
#
# A reason is the text after "MANET_SKIPPED:" (the whole-binary tests: slurm, multihost) or
# the message of a GTEST_SKIP. Always exits 0: it reports, the tests decide.
for build in "$@"; do
  dir=$build/Testing/Temporary
  # While ctest runs its post-test command the log is still LastTest.log.tmp.
  log=$(ls -t "$dir"/LastTest.log.tmp "$dir"/LastTest.log 2>/dev/null | head -n 1)
  [[ -n "$log" ]] || continue
  awk -v build="$build" '
    /^[0-9]+\/[0-9]+ Test: / { name = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", name); reason = ""; skipped = 0; marker = 0; next }
    /^Output:$/ { in_output = 1; after_skipped = 0; next }
    /^<end of output>$/ { in_output = 0; next }
    in_output {
      gsub(/\033\[[0-9;]*m/, "")  # gtest colours its output under mpirun
      if (!marker && match($0, /MANET_SKIPPED: .*/)) { reason = substr($0, RSTART + 15); marker = 1 }
      else if (!marker && after_skipped && $0 !~ /^\[  SKIPPED \]/ && $0 != "") { reason = (reason == "" ? "" : reason " ") $0 }
      if ($0 ~ /: Skipped$/) after_skipped = 1
      if ($0 ~ /^\[  SKIPPED \]/) after_skipped = 0
      next
    }
    /^Skip regular expression found in output/ { skipped = 1; next }
    / end time: / {
      if (skipped) {
        if (reason == "") reason = "(no reason given)"
        if (length(reason) > 300) reason = substr(reason, 1, 300) "..."
        lines[++count] = "  " name ": " reason
      }
      skipped = 0
    }
    END {
      if (count == 0) { print "skipped tests (" build "): none"; exit }
      print "skipped tests (" build "): " count
      for (i = 1; i <= count; ++i) print lines[i]
    }' "$log"
done
exit 0
