import CLLN
import Testing

/// The benchmark API the CLI calls (tiny sizes: the figures themselves come from release builds).
@Suite(.serialized) struct SpiceBenchmarkTests {
    @Test func reportsEveryCaseWithAConsistentSplit() throws {
        let report = try SpiceBenchmark.run(sizes: [16], solves: 10, memorySolves: 20)
        #expect(report.timings.count == 6)
        for timing in report.timings {
            #expect(timing.nodes == 16 && timing.edges == 32 && timing.solves == 10)
            #expect(timing.operatingPointMicroseconds > 0 && timing.layerMicroseconds > 0)
            let parts = timing.operatingPointMicroseconds + timing.otherNgspiceMicroseconds + timing.layerMicroseconds
            #expect(abs(parts - timing.microsecondsPerSolve) < 1e-6 * timing.microsecondsPerSolve)
        }
        let memory = try #require(report.memory)
        #expect(memory.solves == 20 && memory.residentMiBSamples.count == 10 && memory.residentMiBAtEnd > 0)
    }
}
