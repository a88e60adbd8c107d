import ArgumentParser
import CLLN
import CLLNBench
import CLLNReport
import Foundation

struct BenchIdealScale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ideal-scale",
        abstract: "Free+clamped updates per second of the idealized solver, 800 to 100,352 edges, and memory over many updates.")

    @Option(parsing: .upToNextOption, help: "Sizes in edges, each 2n² with 3 ≤ n ≤ 400 (default 800 3200 20000 100352).")
    var sizes: [Int] = []

    @Option(parsing: .upToNextOption, help: "Network families: lattice, dense (default both).")
    var families: [SpiceScaleBenchmark.Family] = []

    @Option(help: "Timed updates per size after the first (default 20, 5 with --quick).")
    var updates: Int?

    @Option(help: "Also run this many updates on the 3,200-edge lattice, printing resident memory at start and end (default 0).")
    var memoryUpdates = 0

    @Option(help: "Where a timed update's free phase starts: per-example (the same example's previous solution, as training does; default) or previous-update.")
    var warmStart: IdealScaleBenchmark.WarmStart = .perExample

    @Flag(help: "A run of a few seconds: 800, 3,200 and 7,200 edges, 5 updates.")
    var quick = false

    @Flag(help: "Print a JSON report.")
    var json = false

    @Option(help: "Also write the report as bench-ideal-scale.json into this folder.")
    var out: String?

    func validate() throws {
        try validateScaleOptions(sizes: sizes, updates: updates, memoryUpdates: memoryUpdates)
    }

    func run() throws {
        try Exit.run {
            let report = try IdealScaleBenchmark.run(
                edges: sizes.isEmpty ? (quick ? IdealScaleBenchmark.quickEdges : IdealScaleBenchmark.defaultEdges) : sizes,
                families: families.isEmpty ? SpiceScaleBenchmark.Family.allCases : families,
                updates: updates ?? (quick ? 5 : 20), memoryUpdates: memoryUpdates, warmStart: warmStart,
                progress: { FileHandle.standardError.write(Data("\($0)\n".utf8)) }, rowFinished: { try write($0) })
            let data = try write(report)
            guard !json else { return printOut(String(decoding: data, as: UTF8.self)) }
            var lines = ["free phases warm-started \(report.warmStart == .perExample ? "from the same example's previous solution" : "from the previous update's solution") (\(report.examples) examples, first epoch untimed)"]
            lines.append("family   edges    nodes   ms/update  updates/s  cpu ms/update  Newton free+clamped  LU factor+solve  first ms  MiB")
            for r in report.rows {
                lines.append(r.family.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + String(format: " %7d %7d %10.2f %10.1f %14.2f %9.1f + %-9.1f %6.2f + %-7.1f %9.0f %4.0f", r.edges, r.nodes,
                             r.millisecondsPerUpdate, r.updatesPerSecond, r.processorMillisecondsPerUpdate, r.meanFreeIterations,
                             r.meanClampedIterations, r.factorizationsPerUpdate, r.solvesPerUpdate, r.firstUpdateMilliseconds, r.residentMiB))
            }
            for g in report.growth {
                lines.append(String(format: "growth exponent (time ~ edges^p, %d–%d edges), %@: p = %.2f",
                                    g.edges.min() ?? 0, g.edges.max() ?? 0, g.family, g.exponent))
            }
            if let m = report.memory {
                lines.append(String(format: "resident memory over %d updates (%d edges): start %.1f MiB, end %.1f MiB, %.2f ms/update",
                                    m.updates, m.edges, m.residentMiBAtStart, m.residentMiBAtEnd, m.millisecondsPerUpdate))
            }
            printOut(lines.joined(separator: "\n"))
        }
    }

    /// Writes `report` as `bench-ideal-scale.json` into `--out`, if given (after every row too); returns its JSON.
    @discardableResult private func write(_ report: IdealScaleReport) throws -> Data {
        let data = try JSONOutput.encode(report)
        if let out { try AtomicFile.write(data, to: URL(fileURLWithPath: out).appendingPathComponent("bench-ideal-scale.json")) }
        return data
    }
}

extension IdealScaleBenchmark.WarmStart: ExpressibleByArgument {}
