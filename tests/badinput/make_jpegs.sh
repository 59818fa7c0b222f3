#!/usr/bin/env bash
# Makes the three JPEGs of the bad-input corpus that stb_image_write cannot:
# progressive.jpg (jpegtran), cmyk.jpg and ycck.jpg (libjpeg, cmyk_jpeg.c).
# Run once after build/bin/inkread-badinput; the outputs are committed, so
# nothing else needs libjpeg. Needs: apt-get install libjpeg-turbo-progs
# libjpeg62-turbo-dev.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jpegtran -progressive -copy none -outfile progressive.jpg baseline.jpg
cc -O2 -Wall -o "$tmp/cmyk_jpeg" cmyk_jpeg.c -ljpeg
"$tmp/cmyk_jpeg" digit.pgm cmyk.jpg cmyk
"$tmp/cmyk_jpeg" digit.pgm ycck.jpg ycck
echo "make_jpegs: wrote progressive.jpg, cmyk.jpg, ycck.jpg"
