// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "clln",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "CLLN", targets: ["CLLN"]),
        .library(name: "CLLNDynamics", targets: ["CLLNDynamics"]),
        .library(name: "CLLNRuns", targets: ["CLLNRuns"]),
        .executable(name: "clln", targets: ["clln"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C interop: header only. The engine loads libngspice at run time (dlopen), so a
        // missing library is a typed error, and per-worker copies of the library are possible.
        .systemLibrary(
            name: "CNgspice",
            pkgConfig: "ngspice",
            providers: [.apt(["libngspice0-dev"])]
        ),
        // SuiteSparse KLU: sparse LU made for circuit matrices (sparse path of the ideal solver).
        .systemLibrary(
            name: "CKLU",
            providers: [.apt(["libsuitesparse-dev"])]
        ),
        // SuiteSparse UMFPACK: multifrontal sparse LU on BLAS (sparse path of the ideal solver).
        .systemLibrary(
            name: "CUMFPACK",
            providers: [.apt(["libsuitesparse-dev"])]
        ),
        // MARK: Implementation details (no stable API; not products)
        // Dense LU, SuiteSparse KLU and UMFPACK (+ GMRES with kept factors): the only importer of
        // CKLU and CUMFPACK. Underscored like swift-numerics' `_NumericsShims`: public only for CLLN.
        .target(name: "_CLLNLinearAlgebra", dependencies: ["CKLU", "CUMFPACK"], exclude: ["README.md"]),
        // Physics checkers shared by the test targets (KCL residual, maximum principle); tests only.
        .target(name: "_CLLNTestSupport", dependencies: ["CLLN"]),
        // Model cards and subcircuits (top-level `templates/`), shipped as resources.
        .target(
            name: "CLLNTemplates",
            path: "templates",
            exclude: ["README.md"],
            resources: [.copy("models")]
        ),
        // The supervised tasks' data sets (Iris, 8×8 digits) as CSV resources; sources, licences
        // and SHA-256 in its README.
        .target(name: "CLLNDatasets", exclude: ["README.md"], resources: [.copy("Data")]),
        // Results: SVG charts, CSV, atomic file writes, terminal progress.
        .target(name: "CLLNReport"),
        // The run layer: run folders, trials, checkpoints and resume, threads or worker processes.
        .target(name: "CLLNRuns", dependencies: ["CLLNReport"]),
        // Core: topology, DSL, netlist compiler, solvers, learning.
        .target(
            name: "CLLN",
            dependencies: [
                "CNgspice", "_CLLNLinearAlgebra", "CLLNTemplates", "CLLNDatasets", "CLLNReport", "CLLNRuns",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Sweeps over config keys (`clln sweep`): designs, point folders, local and Slurm executors, tables and plots.
        .target(
            name: "CLLNSweep",
            dependencies: ["CLLN", "CLLNRuns", "CLLNReport", .product(name: "Yams", package: "Yams")]
        ),
        // Benchmarks of the solvers (`clln bench`): timing code kept out of the core.
        .target(name: "CLLNBench", dependencies: ["CLLN"]),
        // Digital baselines on CLLN's tasks: tabular Q, DQN and a backprop-free local agent on the Q-learning tasks;
        // logistic regression and an MLP on the classification tasks' data.
        .target(name: "CLLNBaselines", dependencies: ["CLLN", "CLLNReport", "CLLNRuns"]),
        // Dynamical contrastive learning (ODE networks).
        .target(name: "CLLNDynamics", dependencies: ["CLLNReport", "CLLNRuns"]),
        .executableTarget(
            name: "clln",
            dependencies: [
                "CLLN", "CLLNBaselines", "CLLNBench", "CLLNReport", "CLLNRuns", "CLLNDynamics", "CLLNSweep",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "CLLNTests",
            dependencies: ["CLLN", "CLLNBench", "CLLNReport", "CLLNRuns", "CLLNSweep", "_CLLNTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "CLLNDynamicsTests", dependencies: ["CLLNDynamics", "CLLNRuns"]),
        .testTarget(name: "CLLNBaselinesTests", dependencies: ["CLLN", "CLLNBaselines", "CLLNRuns"]),
    ]
)
