// swift-tools-version:5.9
// Swift 5 language mode on purpose: the engine shares raw buffers across
// DispatchQueue.concurrentPerform workers, which strict concurrency cannot express.
import PackageDescription

// The kernels dominate run time; bounds checks inside them cost 2-5x.
let kernelSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "userllm",
    products: [
        .executable(name: "userllm", targets: ["userllm"]),
        .executable(name: "userllm-tui", targets: ["userllm-tui"]),
        .library(name: "UserLLM", targets: ["UserLLM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CNcursesW", path: "Sources/CNcursesW"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // Crash-safe file writes, shared by checkpoints (NN) and vocabularies/tokenizers (Timelines).
        .target(name: "AtomicIO"),
        // C kernels that need instruction sets chosen at run time (few-row matrix products).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))]),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: kernelSettings),
        .target(name: "NN", dependencies: ["Tensor", "AtomicIO"], swiftSettings: kernelSettings),
        .target(name: "Timelines", dependencies: ["CZlib", "AtomicIO"], resources: []),
        // Data flows one way: Timelines → UserLLM → UserLLMExplorer → Explorer → ExplorerCurses.
        // The model layer knows no UI; the adapter implements the explorer's backend protocol.
        .target(name: "UserLLM", dependencies: ["Tensor", "NN", "Timelines"], swiftSettings: kernelSettings),
        .target(name: "Explorer", dependencies: ["Timelines"]),
        .target(name: "UserLLMExplorer", dependencies: ["UserLLM", "Explorer", "Tensor", "NN", "Timelines"], swiftSettings: kernelSettings),
        .target(name: "ExplorerCurses", dependencies: ["Explorer", "CNcursesW"]),

        .executableTarget(name: "userllm", dependencies: [
            "UserLLM", "Timelines", "Tensor", "NN",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "userllm-tui", dependencies: [
            "Explorer", "ExplorerCurses", "UserLLM", "UserLLMExplorer", "Timelines", "Tensor",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor", "AtomicIO"]),
        .testTarget(name: "TimelinesTests", dependencies: ["Timelines"]),
        .testTarget(name: "UserLLMTests", dependencies: ["UserLLM", "NN", "Tensor", "Timelines"]),
        .testTarget(name: "ExplorerTests", dependencies: ["Explorer", "Timelines"]),
        .testTarget(name: "UserLLMExplorerTests", dependencies: ["UserLLMExplorer", "UserLLM", "Explorer", "Timelines", "Tensor"]),
    ]
)
