import Foundation

/// The benchmarks' two clocks.
enum BenchClock {
    /// CPU time of the process so far (user + system, every thread), in milliseconds: on a shared
    /// machine the measure that other jobs disturb least.
    static func processorMilliseconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
    }

    /// Wall-clock milliseconds `body` took.
    static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}
