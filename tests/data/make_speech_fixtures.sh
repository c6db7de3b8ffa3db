#!/bin/sh
# Regenerates the speech fixtures (needs espeak-ng and sox from apt). Spoken text, used by the tests:
#   "Revenue grew by twelve percent to four point two billion dollars."
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp --suffix .wav)
espeak-ng -s 150 -w "$tmp" "Revenue grew by twelve percent to four point two billion dollars."
sox "$tmp" -r 16000 -c 1 -b 16 speech_short.wav
sox speech_short.wav speech_short.flac
sox speech_short.wav -C 3 speech_short.ogg
rm -f "$tmp"
# The walkthrough's spoken chart question (tests/ui/test_walkthrough.py).
tmp=$(mktemp --suffix .wav)
espeak-ng -s 150 -w "$tmp" "Which quarter had the highest revenue?"
sox "$tmp" -r 16000 -c 1 -b 16 question_chart_quarter.wav
rm -f "$tmp"
