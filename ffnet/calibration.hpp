#pragma once
// Choosing an activation's 8-bit range from what calibration inputs made of it.
//
// A RangeObserver keeps the exact minimum and maximum and a histogram: kBins bins of one width
// on each side of zero (exact zeros, which ReLU makes many of, counted apart), the width doubled
// and neighbouring bins merged whenever a value falls beyond the last bin, so that the bins
// always cover what was seen with at least kBins / 2 of them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ffnet/core/quant.hpp"

namespace ffnet {

enum class CalibrationMethod {
  minmax,      // the observed minimum and maximum
  percentile,  // clip the kPercentile tails: the extreme 0.01 % of the elements on either side
  mse,         // the range of least expected squared error: rounding (step^2 / 12 per element
               // inside) plus clipping (the squared distance of those outside)
};
inline constexpr double kPercentile = 99.99;

const char* calibration_method_name(CalibrationMethod method);
// Throws ffnet::Error(usage) for a name that is none of minmax, percentile, mse.
CalibrationMethod parse_calibration_method(const std::string& name);

struct Range {
  float lo = 0;  // <= 0
  float hi = 0;  // >= 0
};

class RangeObserver {
 public:
  static constexpr int kBins = 2048;

  // Throws ffnet::Error(input) with `what` if an element is not finite.
  void add(const float* data, std::size_t count, const std::string& what);
  std::uint64_t count() const { return count_; }
  // Within [min(0, observed min), max(0, observed max)]; lo <= 0 <= hi.
  Range range(CalibrationMethod method) const;

 private:
  void cover(float lo, float hi);  // grow the bins until they hold [lo, hi]
  Range percentile_range() const;
  Range mse_range() const;

  float min_ = 0, max_ = 0;   // of the values seen, and 0
  double width_ = 0;          // 0 until a non-zero value is seen
  std::vector<std::uint64_t> positive_ = std::vector<std::uint64_t>(kBins);  // [j w, (j + 1) w)
  std::vector<std::uint64_t> negative_ = std::vector<std::uint64_t>(kBins);  // (-(j + 1) w, -j w]
  std::uint64_t zeros_ = 0;
  std::uint64_t count_ = 0;
};

// The u8 parameters of a range: scale (hi - lo) / 255 and the zero point nearest -lo / scale,
// so that 0 is exact; an empty range gets [0, 1].
QuantParams quant_params_of(Range range);

}  // namespace ffnet
