/* blur: reads a binary PPM (P6, 8-bit), writes the blurred JPEG and its thumbnail.
 *
 *   cc blur.c $(pkg-config --cflags --libs activity_core) -o blur
 *   ./blur IN.ppm OUT.jpg OUT-thumb.jpg [STRENGTH]        (default strength 12)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <activity_core.h>

static int read_token(FILE *f, char *buf, size_t len) {
    int c;
    size_t n = 0;
    do {
        c = fgetc(f);
        if (c == '#') {
            while (c != '\n' && c != EOF) c = fgetc(f);
        }
    } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
    while (c != EOF && c != ' ' && c != '\n' && c != '\r' && c != '\t' && n + 1 < len) {
        buf[n++] = (char)c;
        c = fgetc(f);
    }
    buf[n] = 0;
    return n > 0;
}

static int write_file(const char *path, const ac_image *img) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(img->data, 1, img->len, f) != img->len) {
        perror(path);
        if (f) fclose(f);
        return 0;
    }
    fclose(f);
    printf("%s: %ux%u, %zu bytes, sha256 %s\n", path, img->width, img->height, img->len,
           img->sha256_hex);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: blur IN.ppm OUT.jpg OUT-thumb.jpg [STRENGTH]\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    char magic[8], ws[16], hs[16], maxs[16];
    if (!read_token(in, magic, sizeof magic) || strcmp(magic, "P6") != 0 ||
        !read_token(in, ws, sizeof ws) || !read_token(in, hs, sizeof hs) ||
        !read_token(in, maxs, sizeof maxs) || strcmp(maxs, "255") != 0) {
        fprintf(stderr, "%s: not a binary 8-bit PPM (P6)\n", argv[1]);
        fclose(in);
        return 1;
    }
    unsigned long w = strtoul(ws, NULL, 10), h = strtoul(hs, NULL, 10);
    if (w == 0 || h == 0 || w > 16384 || h > 16384) {
        fprintf(stderr, "%s: unsupported size %lux%lu\n", argv[1], w, h);
        fclose(in);
        return 1;
    }
    unsigned char *rgb = malloc(w * h * 3);
    uint8_t *rgba = malloc(w * h * 4);
    if (!rgb || !rgba || fread(rgb, 1, w * h * 3, in) != w * h * 3) {
        fprintf(stderr, "%s: short pixel data\n", argv[1]);
        fclose(in);
        free(rgb);
        free(rgba);
        return 1;
    }
    fclose(in);
    for (unsigned long i = 0; i < w * h; i++) {
        rgba[i * 4] = rgb[i * 3];
        rgba[i * 4 + 1] = rgb[i * 3 + 1];
        rgba[i * 4 + 2] = rgb[i * 3 + 2];
        rgba[i * 4 + 3] = 255;
    }
    free(rgb);

    ac_media_options options;
    ac_media_options_default(&options);
    options.blur = argc > 4 ? (float)atof(argv[4]) : 12.0f;
    ac_media_result *result = NULL;
    ac_result r = ac_media_process(rgba, w * h * 4, (uint32_t)w, (uint32_t)h, 0, AC_PIXEL_RGBA,
                                   &options, &result);
    free(rgba);
    if (r != AC_OK) {
        char message[1024];
        size_t written = 0;
        if (ac_last_error_message(message, sizeof message, &written) != AC_OK) message[0] = 0;
        fprintf(stderr, "blur: %s: %s\n", ac_result_name(r), message);
        return 1;
    }
    ac_image full, thumb;
    int ok = ac_media_result_image(result, false, &full) == AC_OK &&
             ac_media_result_image(result, true, &thumb) == AC_OK && write_file(argv[2], &full) &&
             write_file(argv[3], &thumb);
    ac_media_result_free(result);
    return ok ? 0 : 1;
}
