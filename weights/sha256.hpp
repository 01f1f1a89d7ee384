#pragma once
// SHA-256 (FIPS 180-4), for recording which file a derived file was made from.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ffnet::weights {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  std::array<std::uint8_t, 32> digest();  // ends the hash; update() may not follow
  std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> block_{};
  std::size_t block_used_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// The hex SHA-256 of a file's bytes; throws ffnet::Error(input) naming it if it cannot be read.
std::string sha256_of_file(const std::string& path);

}  // namespace ffnet::weights
