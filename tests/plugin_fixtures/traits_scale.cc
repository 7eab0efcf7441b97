// Plugin traits (ABI 3): PluginTraitsScale follows a product into bfloat16, and its kernel reads
// and writes any layout and absorbs a Relu into PluginTraitsScaleRelu; PluginTraitsProduct is
// elementwise and computes in bfloat16 where its attr `bf16` says so. tests/plugin_traits_test.cc
// runs graphrun's passes on them.
#include <algorithm>
#include <graphrun/plugin.hpp>

namespace gp = graphrun::plugin;

namespace {

template <bool kRelu>
void scale(gp::KernelContext& ctx) {  // elementwise, so right in any layout
  const float factor = static_cast<float>(ctx.attrs().f("factor"));
  const float* x = ctx.input(0).data<float>();
  gp::Tensor y = ctx.output(0);
  for (int64_t i = 0; i < y.num_elements(); ++i)
    y.data<float>()[i] = kRelu ? std::max(factor * x[i], 0.0f) : factor * x[i];
}

// y like x, float32 or bfloat16 (gp::same_shape_as_input takes float32 and float64 only).
void like_input(gp::ShapeContext& ctx) { ctx.set_output(0, ctx.input(0)); }

}  // namespace

GRAPHRUN_PLUGIN(reg) {
  reg.op("PluginTraitsScale")
      .input("x")
      .output("y")
      .attr("factor", 2.0)
      .shape(like_input)
      .bfloat16(gp::BFloat16::kFollows);
  reg.op("PluginTraitsScaleRelu").input("x").output("y").attr("factor", 2.0).shape(like_input);
  reg.op("PluginTraitsProduct")
      .input("x")
      .output("y")
      .attr("factor", 2.0)
      .attr("bf16", true)
      .shape(like_input)
      .elementwise()
      .bfloat16(gp::BFloat16::kComputes, [](gp::ShapeContext& ctx) { return ctx.attrs().b("bf16"); });
  reg.kernel("PluginTraitsScale", gp::Device::kCPU, gp::DType::kFloat32, scale<false>, "traits", 1)
      .any_layout({0}, {0})
      .fuses_activation("Relu", "PluginTraitsScaleRelu");
  reg.kernel("PluginTraitsScaleRelu", gp::Device::kCPU, gp::DType::kFloat32, scale<true>, "traits", 1)
      .any_layout({0}, {0});
  reg.kernel("PluginTraitsProduct", gp::Device::kCPU, gp::DType::kFloat32, scale<false>, "reference");
}
