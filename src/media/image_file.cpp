#include "media/image_file.hpp"

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include <cerrno>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.hpp"

namespace manet::media {

namespace {

// Both libraries report errors by longjmp out of their calls. The decoders below keep
// every object that must survive such a jump in the caller's frame (the *Decode structs),
// and no object with a destructor is made between setjmp and the last library call.

// ---------------------------------------------------------------- PNG (libpng)

struct PngDecode {
  const unsigned char* data = nullptr;
  std::size_t size = 0, pos = 0;
  char message[256] = "";
  ImageHeader header;
  std::vector<unsigned char> raw;  // decoded rows, after the transforms
  std::vector<png_bytep> rows;
  int channels = 0, bit_depth = 0;  // of `raw`
};

void png_fail(png_structp png, png_const_charp message) {
  auto* d = static_cast<PngDecode*>(png_get_error_ptr(png));
  std::snprintf(d->message, sizeof d->message, "%s", message);
  png_longjmp(png, 1);
}

void png_ignore_warning(png_structp, png_const_charp) {}

void png_read_bytes(png_structp png, png_bytep out, std::size_t n) {
  auto* d = static_cast<PngDecode*>(png_get_io_ptr(png));
  if (n > d->size - d->pos) png_error(png, "the file is truncated");
  std::memcpy(out, d->data + d->pos, n);
  d->pos += n;
}

// Fills d.header, and with `pixels` d.raw (grey or RGB, 8 or 16 bits, alpha stripped).
// False on a libpng error, with d.message.
bool decode_png(PngDecode& d, bool pixels) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, png_fail, png_ignore_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::snprintf(d.message, sizeof d.message, "libpng: out of memory");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, &d, png_read_bytes);
  png_read_info(png, info);
  png_uint_32 width = 0, height = 0;
  int depth = 0, colour = 0;
  png_get_IHDR(png, info, &width, &height, &depth, &colour, nullptr, nullptr, nullptr);
  d.header.width = int(width), d.header.height = int(height);
  d.header.channels = (colour & PNG_COLOR_MASK_COLOR) ? 3 : 1;
  d.header.bit_depth = depth == 16 ? 16 : 8;
  if (long(width) * long(height) > kMaxImagePixels) png_error(png, "larger than 100 megapixels");
  if (pixels) {
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (colour & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (depth == 16) png_set_swap(png);  // to host (little-endian) order
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const std::size_t row_bytes = png_get_rowbytes(png, info);
    d.raw.resize(row_bytes * height);
    d.rows.resize(height);
    for (png_uint_32 y = 0; y < height; ++y) d.rows[y] = d.raw.data() + y * row_bytes;
    png_read_image(png, d.rows.data());
    png_read_end(png, nullptr);
    d.channels = png_get_channels(png, info), d.bit_depth = png_get_bit_depth(png, info);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

// ---------------------------------------------------------------- JPEG (libjpeg-turbo)

struct JpegDecode {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr errors;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* d = static_cast<JpegDecode*>(cinfo->client_data);
  (*cinfo->err->format_message)(cinfo, d->message);
  std::longjmp(d->jump, 1);
}

// Warnings (level -1) are corrupt-data notes; most are harmless (extra bytes before a
// marker), but a premature end means part of the picture was made up: refused.
void jpeg_note(j_common_ptr cinfo, int level) {
  if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) jpeg_fail(cinfo);
}

// Fills `header`, and with `pixels` `raw` (grey or RGB, 8 bits). False on a libjpeg error.
bool decode_jpeg(JpegDecode& d, const std::vector<unsigned char>& bytes, bool pixels, ImageHeader& header,
                 std::vector<unsigned char>& raw) {
  std::memset(&d.cinfo, 0, sizeof d.cinfo);  // jpeg_destroy of a struct never created is then a no-op
  d.cinfo.err = jpeg_std_error(&d.errors);
  d.errors.error_exit = jpeg_fail;
  d.errors.emit_message = jpeg_note;
  d.cinfo.client_data = &d;
  if (setjmp(d.jump)) {
    jpeg_destroy_decompress(&d.cinfo);
    return false;
  }
  jpeg_create_decompress(&d.cinfo);
  d.cinfo.client_data = &d;
  jpeg_mem_src(&d.cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&d.cinfo, TRUE);
  const bool grey = d.cinfo.jpeg_color_space == JCS_GRAYSCALE;
  header.width = int(d.cinfo.image_width), header.height = int(d.cinfo.image_height);
  header.channels = grey ? 1 : 3;
  header.bit_depth = 8;
  if (long(header.width) * long(header.height) > kMaxImagePixels) {
    std::snprintf(d.message, sizeof d.message, "larger than 100 megapixels");
    jpeg_destroy_decompress(&d.cinfo);
    return false;
  }
  if (pixels) {
    d.cinfo.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&d.cinfo);
    const std::size_t stride = std::size_t(d.cinfo.output_width) * d.cinfo.output_components;
    raw.resize(stride * d.cinfo.output_height);
    while (d.cinfo.output_scanline < d.cinfo.output_height) {
      JSAMPROW row = raw.data() + std::size_t(d.cinfo.output_scanline) * stride;
      jpeg_read_scanlines(&d.cinfo, &row, 1);
    }
    jpeg_finish_decompress(&d.cinfo);
  }
  jpeg_destroy_decompress(&d.cinfo);
  return true;
}

// ---------------------------------------------------------------- both

enum class Format { png, jpeg };

Format sniff(const std::vector<unsigned char>& b, const std::string& name) {
  if (b.size() >= 8 && png_sig_cmp(b.data(), 0, 8) == 0) return Format::png;
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return Format::jpeg;
  throw Error(name + ": " + (b.empty() ? "empty file" : "not a PNG or JPEG file (by its first bytes)"),
              ErrorKind::usage);
}

Error bad(const std::string& name, const char* format, const char* why) {
  return Error(name + ": cannot read this " + format + " file: " + why, ErrorKind::usage);
}

// Decodes (pixels) or reads the header only; `raw` holds 8-bit or 16-bit samples.
ImageHeader decode(const std::vector<unsigned char>& bytes, const std::string& name, bool pixels,
                   std::vector<unsigned char>* raw, int* bit_depth) {
  if (sniff(bytes, name) == Format::png) {
    PngDecode d;
    d.data = bytes.data(), d.size = bytes.size();
    if (!decode_png(d, pixels)) throw bad(name, "PNG", d.message);
    d.header.format = "PNG";
    if (pixels) *raw = std::move(d.raw), *bit_depth = d.bit_depth;
    return d.header;
  }
  JpegDecode d;
  ImageHeader header;
  std::vector<unsigned char> samples;
  if (!decode_jpeg(d, bytes, pixels, header, samples)) throw bad(name, "JPEG", d.message);
  header.format = "JPEG";
  if (pixels) *raw = std::move(samples), *bit_depth = 8;
  return header;
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open: " + std::strerror(errno), ErrorKind::usage);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path + ": read error", ErrorKind::usage);
  return bytes;
}

}  // namespace

ImageHeader image_header_from_bytes(const std::vector<unsigned char>& bytes, const std::string& name) {
  return decode(bytes, name, false, nullptr, nullptr);
}

Image image_from_bytes(const std::vector<unsigned char>& bytes, const std::string& name) {
  std::vector<unsigned char> raw;
  int depth = 8;
  const ImageHeader h = decode(bytes, name, true, &raw, &depth);
  Image image;
  image.height = h.height, image.width = h.width, image.channels = h.channels;
  const std::size_t n = std::size_t(h.height) * h.width * h.channels;
  image.pixels.resize(n);
  if (depth == 16) {
    const auto* s = reinterpret_cast<const uint16_t*>(raw.data());
    for (std::size_t i = 0; i < n; ++i) image.pixels[i] = float(s[i] / 65535.0);
  } else {
    for (std::size_t i = 0; i < n; ++i) image.pixels[i] = float(raw[i] / 255.0);
  }
  return image;
}

ImageHeader read_image_header(const std::string& path) { return image_header_from_bytes(read_bytes(path), path); }

Image read_image(const std::string& path) { return image_from_bytes(read_bytes(path), path); }

}  // namespace manet::media
