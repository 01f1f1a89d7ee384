#pragma once
// ffnet.cpp: FFNet inference on CPUs. One include for the whole public API.
//
//   auto net = ffnet::Network::load("model.safetensors");
//   ffnet::Tensor input = ffnet::weights::read_npy("image.npy");  // 1 x 3 x H x W, normalised
//   ffnet::Tensor logits = net.forward(input);                     // 1 x 19 x H/4 x W/4
#include "ffnet/core/error.hpp"
#include "ffnet/image.hpp"
#include "ffnet/model_config.hpp"
#include "ffnet/network.hpp"
#include "ffnet/quantize.hpp"
#include "ffnet/registry.hpp"
#include "ffnet/segmentation.hpp"
#include "ffnet/core/tensor.hpp"
#include "weights/npy.hpp"
#include "weights/safetensors.hpp"
