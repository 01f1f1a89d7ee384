#include "ffnet/registry.hpp"

#include <array>

#include "ffnet/model_config.hpp"

namespace ffnet {
namespace {

// Name, checkpoint file and Cityscapes val mIoU of every published model, in the order of
// the authors' model table.
constexpr PublishedModel kPublished[] = {
    {"segmentation_ffnet150_AAA", "ffnet150/ffnet150_AAA_cityscapes_state_dict_quarts.pth", 84.4},
    {"segmentation_ffnet134_AAA", "ffnet134/ffnet134_AAA_cityscapes_state_dict_quarts.pth", 84.1},
    {"segmentation_ffnet101_AAA", "ffnet101/ffnet101_AAA_cityscapes_state_dict_quarts.pth", 82.1},
    {"segmentation_ffnet86_AAA", "ffnet86/ffnet86_AAA_cityscapes_state_dict_quarts.pth", 83.2},
    {"segmentation_ffnet56_AAA", "ffnet56/ffnet56_AAA_cityscapes_state_dict_quarts.pth", 82.5},
    {"segmentation_ffnet50_AAA", "ffnet50/ffnet50_AAA_cityscapes_state_dict_quarts.pth", 79.6},
    {"segmentation_ffnet34_AAA", "ffnet34/ffnet34_AAA_cityscapes_state_dict_quarts.pth", 81.4},
    {"segmentation_ffnet150_ABB", "ffnet150/ffnet150_ABB_cityscapes_state_dict_quarts.pth", 83.7},
    {"segmentation_ffnet86_ABB", "ffnet86/ffnet86_ABB_cityscapes_state_dict_quarts.pth", 83.5},
    {"segmentation_ffnet56_ABB", "ffnet56/ffnet56_ABB_cityscapes_state_dict_quarts.pth", 82.1},
    {"segmentation_ffnet34_ABB", "ffnet34/ffnet34_ABB_cityscapes_state_dict_quarts.pth", 80.3},
    {"segmentation_ffnet150S_BBB", "ffnet150S/ffnet150S_BBB_gpu_cityscapes_state_dict_quarts.pth", 84.1},
    {"segmentation_ffnet86S_BBB", "ffnet86S/ffnet86S_BBB_gpu_cityscapes_state_dict_quarts.pth", 82.6},
    {"segmentation_ffnet122N_CBB", "ffnet122N/ffnet122N_CBB_cityscapes_state_dict_quarts.pth", 83.7},
    {"segmentation_ffnet74N_CBB", "ffnet74N/ffnet74N_CBB_cityscapes_state_dict_quarts.pth", 83.0},
    {"segmentation_ffnet46N_CBB", "ffnet46N/ffnet46N_CBB_cityscapes_state_dict_quarts.pth", 81.9},
    {"segmentation_ffnet150_dAAA", "ffnet150/ffnet150_dAAA_cityscapes_state_dict_quarts.pth", 82.3},
    {"segmentation_ffnet134_dAAA", "ffnet134/ffnet134_dAAA_cityscapes_state_dict_quarts.pth", 82.0},
    {"segmentation_ffnet101_dAAA", "ffnet101/ffnet101_dAAA_cityscapes_state_dict_quarts.pth", 80.4},
    {"segmentation_ffnet86_dAAA", "ffnet86/ffnet86_dAAA_cityscapes_state_dict_quarts.pth", 81.4},
    {"segmentation_ffnet56_dAAA", "ffnet56/ffnet56_dAAA_cityscapes_state_dict_quarts.pth", 80.7},
    {"segmentation_ffnet50_dAAA", "ffnet50/ffnet50_dAAA_cityscapes_state_dict_quarts.pth", 79.4},
    {"segmentation_ffnet34_dAAA", "ffnet34/ffnet34_dAAA_cityscapes_state_dict_quarts.pth", 79.1},
    {"segmentation_ffnet18_dAAA", "ffnet18/ffnet18_dAAA_cityscapes_state_dict_quarts.pth", 76.5},
    {"segmentation_ffnet150_dAAC", "ffnet150/ffnet150_dAAC_cityscapes_state_dict_quarts.pth", 81.9},
    {"segmentation_ffnet86_dAAC", "ffnet86/ffnet86_dAAC_cityscapes_state_dict_quarts.pth", 81.1},
    {"segmentation_ffnet34_dAAC", "ffnet34/ffnet34_dAAC_cityscapes_state_dict_quarts.pth", 79.1},
    {"segmentation_ffnet18_dAAC", "ffnet18/ffnet18_dAAC_cityscapes_state_dict_quarts.pth", 76.4},
    {"segmentation_ffnet150S_dBBB", "ffnet150S/ffnet150S_dBBB_gpu_cityscapes_state_dict_quarts.pth", 81.0},
    {"segmentation_ffnet86S_dBBB", "ffnet86S/ffnet86S_dBBB_gpu_cityscapes_state_dict_quarts.pth", 81.1},
    {"segmentation_ffnet86S_dBBB_mobile", "ffnet86S/ffnet86S_dBBB_cityscapes_state_dict_quarts.pth", 81.5},
    {"segmentation_ffnet78S_dBBB_mobile", "ffnet78S/ffnet78S_dBBB_cityscapes_state_dict_quarts.pth", 81.3},
    {"segmentation_ffnet54S_dBBB_mobile", "ffnet54S/ffnet54S_dBBB_cityscapes_state_dict_quarts.pth", 80.8},
    {"segmentation_ffnet40S_dBBB_mobile", "ffnet40S/ffnet40S_dBBB_cityscapes_state_dict_quarts.pth", 79.2},
    {"segmentation_ffnet150S_BBB_mobile", "ffnet150S/ffnet150S_BBB_cityscapes_state_dict_quarts.pth", 81.6},
    {"segmentation_ffnet150S_BBB_mobile_pre_down", "ffnet150S/ffnet150S_BBB_cityscapes_state_dict_quarts.pth", 81.6},
    {"segmentation_ffnet86S_BBB_mobile", "ffnet86S/ffnet86S_BBB_cityscapes_state_dict_quarts.pth", 80.9},
    {"segmentation_ffnet86S_BBB_mobile_pre_down", "ffnet86S/ffnet86S_BBB_cityscapes_state_dict_quarts.pth", 80.9},
    {"segmentation_ffnet78S_BBB_mobile", "ffnet78S/ffnet78S_BBB_cityscapes_state_dict_quarts.pth", 80.5},
    {"segmentation_ffnet78S_BBB_mobile_pre_down", "ffnet78S/ffnet78S_BBB_cityscapes_state_dict_quarts.pth", 80.5},
    {"segmentation_ffnet54S_BBB_mobile", "ffnet54S/ffnet54S_BBB_cityscapes_state_dict_quarts.pth", 80.2},
    {"segmentation_ffnet54S_BBB_mobile_pre_down", "ffnet54S/ffnet54S_BBB_cityscapes_state_dict_quarts.pth", 80.2},
    {"segmentation_ffnet40S_BBB_mobile", "ffnet40S/ffnet40S_BBB_cityscapes_state_dict_quarts.pth", 79.7},
    {"segmentation_ffnet40S_BBB_mobile_pre_down", "ffnet40S/ffnet40S_BBB_cityscapes_state_dict_quarts.pth", 79.7},
    {"segmentation_ffnet150S_BCC_mobile", "ffnet150S/ffnet150S_BCC_cityscapes_state_dict_quarts.pth", 81.0},
    {"segmentation_ffnet150S_BCC_mobile_pre_down", "ffnet150S/ffnet150S_BCC_cityscapes_state_dict_quarts.pth", 81.0},
    {"segmentation_ffnet86S_BCC_mobile", "ffnet86S/ffnet86S_BCC_cityscapes_state_dict_quarts.pth", 81.0},
    {"segmentation_ffnet86S_BCC_mobile_pre_down", "ffnet86S/ffnet86S_BCC_cityscapes_state_dict_quarts.pth", 81.0},
    {"segmentation_ffnet78S_BCC_mobile", "ffnet78S/ffnet78S_BCC_cityscapes_state_dict_quarts.pth", 80.6},
    {"segmentation_ffnet78S_BCC_mobile_pre_down", "ffnet78S/ffnet78S_BCC_cityscapes_state_dict_quarts.pth", 80.6},
    {"segmentation_ffnet54S_BCC_mobile", "ffnet54S/ffnet54S_BCC_cityscapes_state_dict_quarts.pth", 79.9},
    {"segmentation_ffnet54S_BCC_mobile_pre_down", "ffnet54S/ffnet54S_BCC_cityscapes_state_dict_quarts.pth", 79.9},
    {"segmentation_ffnet40S_BCC_mobile", "ffnet40S/ffnet40S_BCC_cityscapes_state_dict_quarts.pth", 78.4},
    {"segmentation_ffnet40S_BCC_mobile_pre_down", "ffnet40S/ffnet40S_BCC_cityscapes_state_dict_quarts.pth", 78.4},
    {"segmentation_ffnet122NS_CBB_mobile", "ffnet122NS/ffnet122NS_CBB_cityscapes_state_dict_quarts.pth", 79.3},
    {"segmentation_ffnet122NS_CBB_mobile_pre_down", "ffnet122NS/ffnet122NS_CBB_cityscapes_state_dict_quarts.pth", 79.3},
    {"segmentation_ffnet74NS_CBB_mobile", "ffnet74NS/ffnet74NS_CBB_cityscapes_state_dict_quarts.pth", 78.3},
    {"segmentation_ffnet74NS_CBB_mobile_pre_down", "ffnet74NS/ffnet74NS_CBB_cityscapes_state_dict_quarts.pth", 78.3},
    {"segmentation_ffnet46NS_CBB_mobile", "ffnet46NS/ffnet46NS_CBB_cityscapes_state_dict_quarts.pth", 77.5},
    {"segmentation_ffnet46NS_CBB_mobile_pre_down", "ffnet46NS/ffnet46NS_CBB_cityscapes_state_dict_quarts.pth", 77.5},
    {"segmentation_ffnet122NS_CCC_mobile", "ffnet122NS/ffnet122NS_CCC_cityscapes_state_dict_quarts.pth", 79.2},
    {"segmentation_ffnet122NS_CCC_mobile_pre_down", "ffnet122NS/ffnet122NS_CCC_cityscapes_state_dict_quarts.pth", 79.2},
    {"segmentation_ffnet74NS_CCC_mobile", "ffnet74NS/ffnet74NS_CCC_cityscapes_state_dict_quarts.pth", 77.8},
    {"segmentation_ffnet74NS_CCC_mobile_pre_down", "ffnet74NS/ffnet74NS_CCC_cityscapes_state_dict_quarts.pth", 77.8},
    {"segmentation_ffnet46NS_CCC_mobile", "ffnet46NS/ffnet46NS_CCC_cityscapes_state_dict_quarts.pth", 76.7},
    {"segmentation_ffnet46NS_CCC_mobile_pre_down", "ffnet46NS/ffnet46NS_CCC_cityscapes_state_dict_quarts.pth", 76.7},
    {"classification_ffnet150_AAX", "ffnet150/ffnet150_AAX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet134_AAX", "ffnet134/ffnet134_AAX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet101_AAX", "ffnet101/ffnet101_AAX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet86_AAX", "ffnet86/ffnet86_AAX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet56_AAX", "ffnet56/ffnet56_AAX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet50_AAX", "ffnet50/ffnet50_AAX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet34_AAX", "ffnet34/ffnet34_AAX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet18_AAX", "ffnet18/ffnet18_AAX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet150S_BBX", "ffnet150S/ffnet150S_BBX_gpu_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet86S_BBX", "ffnet86S/ffnet86S_BBX_gpu_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet122N_CBX", "ffnet122N/ffnet122N_CBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet74N_CBX", "ffnet74N/ffnet74N_CBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet46N_CBX", "ffnet46N/ffnet46N_CBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet150S_BBX_mobile", "ffnet150S/ffnet150S_BBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet86S_BBX_mobile", "ffnet86S/ffnet86S_BBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet78S_BBX_mobile", "ffnet78S/ffnet78S_BBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet54S_BBX_mobile", "ffnet54S/ffnet54S_BBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet40S_BBX_mobile", "ffnet40S/ffnet40S_BBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet122NS_CBX_mobile", "ffnet122NS/ffnet122NS_CBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet74NS_CBX_mobile", "ffnet74NS/ffnet74NS_CBX_imagenet_state_dict_quarts.pth", std::nullopt},
    {"classification_ffnet46NS_CBX_mobile", "ffnet46NS/ffnet46NS_CBX_imagenet_state_dict_quarts.pth", std::nullopt},
};

}  // namespace

std::span<const PublishedModel> published_models() { return kPublished; }

const PublishedModel* find_published_model(std::string_view name) {
  for (const auto& m : kPublished)
    if (m.name == name) return &m;
  return nullptr;
}

ImageSize natural_input_size(std::string_view name) {
  ModelConfig config = model_config(name);
  if (config.task == Task::classification) return {224, 224};
  // Low-resolution mobile models take half-size input, unless they downsample it themselves
  // (`_pre_down`) or their first stage already has stride 2 (`dBBB_mobile`).
  if (config.mobile && !config.pre_down && !config.backbone.first_stage_stride2) return {512, 1024};
  return {1024, 2048};
}

}  // namespace ffnet
