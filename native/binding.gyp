{
  "targets": [{
    "target_name": "nnunet_dnnl",
    "sources": ["src/addon.cc", "src/conv.cc", "src/instance-norm.cc", "src/elementwise.cc", "src/binary.cc"],
    "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")", "<!@(node -p \"process.env.DNNL_INCLUDE_DIR || ''\")"],
    "library_dirs": ["<!@(node -p \"process.env.DNNL_LIB_DIR || ''\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fopenmp", "-Wall", "-Wno-psabi"],
    "libraries": ["-ldnnl", "-fopenmp"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-O3", "-Xpreprocessor", "-fopenmp"],
      "OTHER_LDFLAGS": ["-lomp"]
    }
  }]
}
