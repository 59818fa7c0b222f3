/* cmyk_jpeg IN.pgm OUT.jpg cmyk|ycck — writes a gray picture as a 4-channel
 * JPEG with libjpeg, the way Photoshop does: an Adobe APP14 marker and
 * inverted CMYK (255 = no ink), all of the ink in K. Used once by
 * make_jpegs.sh; its outputs are committed. Reads the PGM that
 * inkread-badinput writes (P5, one comment line, maxval 255). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: cmyk_jpeg IN.pgm OUT.jpg cmyk|ycck\n");
    return 1;
  }
  FILE* in = fopen(argv[1], "rb");
  char line[256];
  int width = 0, height = 0, maxval = 0;
  if (!in || !fgets(line, sizeof line, in) || strncmp(line, "P5", 2) != 0) return 1;
  do {
    if (!fgets(line, sizeof line, in)) return 1;
  } while (line[0] == '#');
  if (sscanf(line, "%d %d", &width, &height) != 2 || !fgets(line, sizeof line, in)) return 1;
  maxval = atoi(line);
  if (width <= 0 || height <= 0 || width > 4096 || height > 4096 || maxval != 255) return 1;
  unsigned char* gray = malloc((size_t)width * height);
  if (fread(gray, 1, (size_t)width * height, in) != (size_t)width * height) return 1;
  fclose(in);

  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  FILE* out = fopen(argv[2], "wb");
  if (!out) return 1;
  jpeg_stdio_dest(&c, out);
  c.image_width = (JDIMENSION)width;
  c.image_height = (JDIMENSION)height;
  c.input_components = 4;
  c.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&c);
  jpeg_set_colorspace(&c, strcmp(argv[3], "ycck") == 0 ? JCS_YCCK : JCS_CMYK);
  jpeg_set_quality(&c, 92, TRUE);
  jpeg_start_compress(&c, TRUE);
  unsigned char* row = malloc((size_t)width * 4);
  while (c.next_scanline < c.image_height) {
    const unsigned char* g = gray + (size_t)c.next_scanline * width;
    for (int x = 0; x < width; ++x) {
      row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = 255; /* no C, M, Y ink */
      row[4 * x + 3] = g[x];                              /* K, inverted */
    }
    JSAMPROW rows[1] = {row};
    jpeg_write_scanlines(&c, rows, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  fclose(out);
  free(row);
  free(gray);
  return 0;
}
