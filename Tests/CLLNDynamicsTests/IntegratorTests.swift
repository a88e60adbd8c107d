import CLLNDynamics
import Foundation
import Testing

/// The damped harmonic oscillator x'' + 2ζx' + x = 0 as a first-order field, with its exact solution.
private struct DampedOscillator: VectorField {
    let damping = 0.1
    var dimension: Int { 2 }
    var label: String { "damped oscillator" }

    mutating func derivative(at time: Double, state y: [Double], into dy: inout [Double]) {
        dy[0] = y[1]
        dy[1] = -y[0] - 2 * damping * y[1]
    }

    /// x(t) from x(0) = 1, x'(0) = 0.
    func exact(_ t: Double) -> Double {
        let frequency = (1 - damping * damping).squareRoot()
        return exp(-damping * t) * (cos(frequency * t) + damping / frequency * sin(frequency * t))
    }
}

@Suite("ODE integrators")
struct IntegratorTests {
    @Test func rungeKuttaIsFourthOrder() throws {
        var field = DampedOscillator()
        func error(_ step: Double) throws -> Double {
            let run = try RungeKutta4.solve(&field, initial: [1, 0], step: step, steps: Int((10 / step).rounded()))
            return abs(run[run.count - 1, 0] - field.exact(10))
        }
        let ratio = try error(0.1) / error(0.05)
        #expect(ratio > 14 && ratio < 18)  // 2⁴ = 16
    }

    @Test func dormandPrinceMeetsItsToleranceWithDenseOutput() throws {
        var field = DampedOscillator()
        let times = (0...200).map { Double($0) * 0.1 }
        let solver = DormandPrince54(relativeTolerance: 1e-8, absoluteTolerance: 1e-10)
        let (run, statistics) = try solver.solve(&field, initial: [1, 0], times: times)
        #expect(run.count == times.count)
        let worst = (0..<run.count).map { abs(run[$0, 0] - field.exact(times[$0])) }.max()!
        #expect(worst < 1e-6)
        #expect(statistics.accepted > 10 && statistics.functionEvaluations <= 6 * (statistics.accepted + statistics.rejected) + 1)
    }

    @Test func dormandPrinceStepsGrowWithLooserTolerance() throws {
        var field = DampedOscillator()
        let tight = try DormandPrince54(relativeTolerance: 1e-10, absoluteTolerance: 1e-12).solve(&field, initial: [1, 0], times: [0, 20]).statistics
        let loose = try DormandPrince54(relativeTolerance: 1e-4, absoluteTolerance: 1e-6).solve(&field, initial: [1, 0], times: [0, 20]).statistics
        #expect(tight.accepted > 3 * loose.accepted)
    }

    /// The fixed training grid against the adaptive reference, on every task's first episode.
    @Test(arguments: DynamicsTask.names)
    func trainingGridAgreesWithAdaptiveReference(_ name: String) throws {
        let task = try DynamicsTask(name: name)
        var episode = task.episodes[0]
        episode.duration = min(episode.duration, 10)
        let solver = task.solver
        let grid = try solver.free(episode, parameters: task.initialParameters).trajectory
        let reference = try solver.referenceRun(episode, parameters: task.initialParameters, times: grid.times)
        let scale = max(1, grid.states.map(abs).max()!)
        let worst = zip(grid.states, reference.states).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4 * scale, "\(name): RK4 grid vs DOPRI5 differ by \(worst)")
        #expect(try solver.stiffness(episode, parameters: task.initialParameters).stabilityProduct < 2.78)
    }

    @Test func signalsHaveTheirDocumentedShapes() {
        let triangle = Signal.triangle(amplitude: 2, period: 4)
        #expect([0, 1, 2, 3, 4].map { triangle.value(at: $0) } == [0, 2, 0, -2, 0])
        let delayed = Signal.delayed(.sine(amplitude: 1, angularFrequency: 1, phase: 0), lag: 1)
        #expect(delayed.value(at: 0.5) == 0)
        #expect(abs(delayed.value(at: 2) - sin(1)) < 1e-15)
        let samples = Signal.samples(interval: 0.5, values: [0, 1, 3])
        #expect(samples.value(at: 0.75) == 2 && samples.value(at: -1) == 0 && samples.value(at: 9) == 3)
        #expect(abs(TimeWindow.pulse(center: 0, width: 0.5).weight(at: 0) - 1 / (0.5 * (2 * Double.pi).squareRoot())) < 1e-15)
    }
}
