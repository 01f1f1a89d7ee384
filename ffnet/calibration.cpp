#include "ffnet/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ffnet/core/error.hpp"

namespace ffnet {
namespace {

// Suffix sums of a histogram's counts, and of counts times the bin centre and its square: the
// squared clipping error of clipping at edge k is s2[k] - 2 e s1[k] + e^2 s0[k], e = k w.
struct TailSums {
  std::vector<double> s0, s1, s2;
};

TailSums tail_sums(const std::vector<std::uint64_t>& bins, double width) {
  const std::size_t n = bins.size();
  TailSums t{std::vector<double>(n + 1), std::vector<double>(n + 1), std::vector<double>(n + 1)};
  for (std::size_t j = n; j-- > 0;) {
    const double count = double(bins[j]), centre = (double(j) + 0.5) * width;
    t.s0[j] = t.s0[j + 1] + count;
    t.s1[j] = t.s1[j + 1] + count * centre;
    t.s2[j] = t.s2[j + 1] + count * centre * centre;
  }
  return t;
}

double clip_error(const TailSums& t, std::size_t k, double edge) {
  return std::max(0.0, t.s2[k] - 2 * edge * t.s1[k] + edge * edge * t.s0[k]);
}

// The smallest number of bins from zero leaving at most `allowed` elements beyond them.
std::size_t bins_keeping(const std::vector<std::uint64_t>& bins, double allowed) {
  double beyond = 0;
  for (std::size_t j = bins.size(); j-- > 0;) {
    if (beyond + double(bins[j]) > allowed) return j + 1;
    beyond += double(bins[j]);
  }
  return 0;
}

}  // namespace

const char* calibration_method_name(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::minmax: return "minmax";
    case CalibrationMethod::percentile: return "percentile";
    case CalibrationMethod::mse: return "mse";
  }
  return "?";
}

CalibrationMethod parse_calibration_method(const std::string& name) {
  for (CalibrationMethod m : {CalibrationMethod::minmax, CalibrationMethod::percentile, CalibrationMethod::mse})
    if (name == calibration_method_name(m)) return m;
  throw_usage("unknown calibration method '" + name + "' (minmax, percentile or mse)");
}

void RangeObserver::cover(float lo, float hi) {
  const double need = std::max(double(hi), -double(lo));
  if (need == 0) return;
  if (width_ == 0) {
    width_ = need * (1 + 1e-6) / kBins;  // the largest value lands in the last bin
    return;
  }
  while (need >= width_ * kBins) {
    for (auto* bins : {&positive_, &negative_}) {
      for (int j = 0; j < kBins / 2; ++j) (*bins)[std::size_t(j)] = (*bins)[std::size_t(2 * j)] + (*bins)[std::size_t(2 * j + 1)];
      std::fill(bins->begin() + kBins / 2, bins->end(), 0);
    }
    width_ *= 2;
  }
}

void RangeObserver::add(const float* data, std::size_t count, const std::string& what) {
  float lo = 0, hi = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const float v = data[i];
    if (!std::isfinite(v)) throw_input(what + ": the float network made a non-finite value (NaN or infinity)");
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  min_ = std::min(min_, lo);
  max_ = std::max(max_, hi);
  cover(lo, hi);
  count_ += count;
  if (width_ == 0) {
    zeros_ += count;
    return;
  }
  const double inverse = 1.0 / width_;
  for (std::size_t i = 0; i < count; ++i) {
    const double v = data[i];
    if (v > 0)
      ++positive_[std::min(std::size_t(v * inverse), std::size_t(kBins - 1))];
    else if (v < 0)
      ++negative_[std::min(std::size_t(-v * inverse), std::size_t(kBins - 1))];
    else
      ++zeros_;
  }
}

Range RangeObserver::range(CalibrationMethod method) const {
  if (width_ == 0 || method == CalibrationMethod::minmax) return {min_, max_};
  return method == CalibrationMethod::percentile ? percentile_range() : mse_range();
}

Range RangeObserver::percentile_range() const {
  const double allowed = double(count_) * (1 - kPercentile / 100);
  return {std::max(min_, float(-double(bins_keeping(negative_, allowed)) * width_)),
          std::min(max_, float(double(bins_keeping(positive_, allowed)) * width_))};
}

Range RangeObserver::mse_range() const {
  const TailSums pos = tail_sums(positive_, width_), neg = tail_sums(negative_, width_);
  const std::size_t pos_bins = std::size_t(std::ceil(double(max_) / width_));
  const std::size_t neg_bins = std::size_t(std::ceil(-double(min_) / width_));
  const double nonzero = pos.s0[0] + neg.s0[0];
  double best = std::numeric_limits<double>::infinity();
  Range chosen{min_, max_};
  for (std::size_t k = pos_bins > 0 ? 1 : 0; k <= pos_bins; ++k) {
    const double hi = std::min(double(k) * width_, double(max_));
    const double clip_hi = clip_error(pos, std::min(k, pos.s0.size() - 1), hi);
    for (std::size_t m = neg_bins > 0 ? 1 : 0; m <= neg_bins; ++m) {
      const double lo = std::max(-double(m) * width_, double(min_));
      const std::size_t mm = std::min(m, neg.s0.size() - 1), kk = std::min(k, pos.s0.size() - 1);
      const double inside = nonzero - pos.s0[kk] - neg.s0[mm];
      const double step = (hi - lo) / 255;
      const double error = clip_hi + clip_error(neg, mm, -lo) + inside * step * step / 12;
      if (error < best) {
        best = error;
        chosen = {float(lo), float(hi)};
      }
    }
  }
  return chosen;
}

QuantParams quant_params_of(Range range) {
  const double width = double(range.hi) - double(range.lo);
  if (!(width > 1e-30)) return {.scale = 1.0f / 255, .zero_point = 0};
  const float scale = float(width / 255);
  const int zero = int(std::clamp(std::nearbyint(-double(range.lo) / double(scale)), 0.0, 255.0));
  return {.scale = scale, .zero_point = zero};
}

}  // namespace ffnet
