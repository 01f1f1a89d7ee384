#pragma once
// stb_image decodes a truncated picture without complaint: a BMP cut short, a PNG without its
// IEND chunk, a JPEG without its end-of-image marker all come out with zeros where the missing
// bytes were. check_complete walks the container structure (not the pixel data) first and
// refuses such files, so a cut-off download is an error instead of a silently wrong result.
#include <cstdint>
#include <span>
#include <string>

namespace ffnet {

// Throws ffnet::Error(input) "<name>: truncated <format>: <what is missing>". Files of other
// formats, and structure stb itself refuses, are left to the decoder.
void check_complete(std::span<const std::uint8_t> bytes, const std::string& name);

}  // namespace ffnet
