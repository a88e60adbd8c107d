import ArgumentParser
import CLLN
import CLLNReport
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (speed targets live here, not in tests).",
        subcommands: [BenchSolve.self])
}

struct BenchSolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve", abstract: "Microseconds per equilibrium solve, small and large networks.")

    @Option(help: "Backend to time: ideal or spice.")
    var backend: BackendChoice = .ideal

    @Option(parsing: .upToNextOption, help: "Lattice sizes (nodes) for the scaling series.")
    var sizes: [Int] = []

    @Flag(help: "Print a JSON report.")
    var json = false

    @Option(help: "Also write the report as bench-solve.json into this folder.")
    var out: String?

    func run() throws {
        try Exit.run {
            switch backend {
            case .ideal:
                let report = try SolveBenchmark.run(latticeNodes: sizes.isEmpty ? [4096, 65_536, 262_144] : sizes)
                try emit(report) { r in
                    var lines = r.rows.map {
                        String(format: "%-46@ %8d nodes %10.2f us/solve  %5.2f iterations  %@",
                               $0.case_, $0.nodes, $0.microsecondsPerSolve, $0.meanIterations, $0.linearAlgebra)
                    }
                    if let g = r.growthExponent { lines.append(String(format: "growth exponent (time ~ N^p): p = %.3f", g)) }
                    return lines.joined(separator: "\n")
                }
            case .spice:
                try runSpiceBenchmark(sizes: sizes, emit: { try emit($0, text: $1) })
            }
        }
    }

    func emit<R: Encodable>(_ report: R, text: (R) -> String) throws {
        let data = try JSONOutput.encode(report)
        if let out { try AtomicFile.write(data, to: URL(fileURLWithPath: out).appendingPathComponent("bench-solve.json")) }
        printOut(json ? String(decoding: data, as: UTF8.self) : text(report))
    }
}
