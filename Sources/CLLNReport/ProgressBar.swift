import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A terminal progress bar on standard error: percent, count, rate and ETA.
///
/// Draws only when stderr is a terminal (`isatty(2)`), so logs and pipes stay clean; redraws at
/// most 10 times per second however often ``advance(by:)`` is called. Thread-safe: workers may
/// advance it concurrently.
public final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let isEnabled: Bool
    private let lock = NSLock()
    private let start = ContinuousClock.now
    private var completed = 0
    private var lastDraw: ContinuousClock.Instant?
    private var isFinished = false

    private static let minimumRedrawInterval = Duration.milliseconds(100)
    private static let barWidth = 28

    /// - Parameters:
    ///   - total: the count that means 100 % (values below 1 are treated as 1).
    ///   - label: a short name printed before the bar.
    public init(total: Int, label: String) {
        self.total = max(1, total)
        self.label = label
        self.isEnabled = isatty(2) != 0
    }

    /// Records `count` more completed units and redraws if the last redraw is old enough.
    public func advance(by count: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        completed = min(total, completed + count)
        let now = ContinuousClock.now
        if let lastDraw, now - lastDraw < Self.minimumRedrawInterval, completed < total { return }
        lastDraw = now
        draw(now: now, terminator: "")
    }

    /// Draws the final state and moves to a new line; later calls do nothing.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard !isFinished else { return }
        isFinished = true
        draw(now: .now, terminator: "\n")
    }

    private func draw(now: ContinuousClock.Instant, terminator: String) {
        guard isEnabled else { return }
        let fraction = Double(completed) / Double(total)
        let filled = Int((fraction * Double(Self.barWidth)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: Self.barWidth - filled)
        let elapsed = Self.seconds(now - start)
        let rate = elapsed > 0 ? Double(completed) / elapsed : 0
        let eta = rate > 0 ? Double(total - completed) / rate : .nan
        let line = "\r\u{1B}[2K\(label) \(bar) \(Int(fraction * 100))% \(completed)/\(total) "
            + "\(Self.formatRate(rate))/s ETA \(Self.formatClock(eta))" + terminator
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    private static func formatRate(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(format: "%.2f", rate)
    }

    private static func formatClock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let whole = Int(seconds.rounded())
        let (hours, minutes, secs) = (whole / 3600, (whole / 60) % 60, whole % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs)
            : String(format: "%02d:%02d", minutes, secs)
    }
}
