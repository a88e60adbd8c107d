import CLLN
import CLLNBench
import Testing

/// The benchmark API the CLI calls (tiny sizes: the figures themselves come from release builds).
@Suite(.serialized) struct SpiceBenchmarkTests {
    @Test func reportsEveryCaseWithAConsistentSplit() throws {
        let report = try SpiceBenchmark.run(sizes: [16], solves: 10, memorySolves: 20)
        #expect(report.timings.count == 7)
        #expect(report.timings.map(\.pointsPerBatch) == [1, 1, 1, 1, 1, 1, SpiceBenchmark.batchPoints])
        for timing in report.timings {
            #expect(timing.nodes == 16 && timing.edges == 32 && timing.solves == max(10, timing.pointsPerBatch))
            #expect(timing.analysisMicroseconds > 0 && timing.layerMicroseconds > 0)
            let parts = timing.analysisMicroseconds + timing.otherNgspiceMicroseconds + timing.layerMicroseconds
            #expect(abs(parts - timing.microsecondsPerSolve) < 1e-6 * timing.microsecondsPerSolve)
        }
        let memory = try #require(report.memory)
        #expect(memory.solves == 20 && memory.residentMiBSamples.count == 10 && memory.residentMiBAtEnd > 0)
    }

    @Test func badLatticeSizesAreRefusedBeforeAnyWork() throws {
        for nodes in [-16, 0, 9, 99, 255, 1025 * 1025, Int.max] {
            #expect(throws: BenchmarkError.latticeSize(nodes)) { try SpiceBenchmark.run(sizes: [16, nodes], memorySolves: 0) }
            #expect(throws: BenchmarkError.latticeSize(nodes)) { try SolveBenchmark.run(latticeNodes: [nodes]) }
        }
        #expect(try BenchmarkLattice.side(nodes: 16) == 4 && BenchmarkLattice.side(nodes: 1024 * 1024) == 1024)
    }
}
