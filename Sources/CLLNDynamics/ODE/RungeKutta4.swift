/// The classical fourth-order Runge–Kutta method on a fixed step.
///
/// Training runs use it because (i) the discrete adjoint of a fixed-step explicit scheme gives the
/// *exact* gradient of the computed cost (see ``EpisodeSolver/gradient(_:parameters:)``), which a
/// step-size controller would break, and (ii) the local rule compares free and clamped runs on one
/// shared grid. Global error O(h⁴); stable while h·ρ(∂f/∂y) ≲ 2.78 on the real axis, which
/// ``EpisodeSolver/stiffness(_:parameters:)`` measures along a run.
public enum RungeKutta4 {
    /// Integrates from `initial` at `start` for `steps` steps of `step`, recording every grid point
    /// (`steps + 1` samples).
    /// - Throws: ``DynamicsError/integrationDiverged(system:time:hint:)`` as soon as a component is
    ///   not finite.
    public static func solve<Field: VectorField>(
        _ field: inout Field, initial: [Double], start: Double = 0, step: Double, steps: Int
    ) throws -> Trajectory {
        var stepper = Stepper(dimension: field.dimension)
        var y = initial
        var trajectory = Trajectory(dimension: field.dimension, capacity: steps + 1)
        trajectory.append(time: start, state: y)
        for n in 0..<steps {
            let t = start + Double(n) * step
            stepper.advance(&field, state: &y, time: t, step: step)
            guard y.allSatisfy(\.isFinite) else {
                throw DynamicsError.integrationDiverged(system: field.label, time: t + step, hint: .step)
            }
            trajectory.append(time: start + Double(n + 1) * step, state: y)
        }
        return trajectory
    }

    /// One RK4 step with its stage states Y₂, Y₃, Y₄ (Y₁ is the step's start) and slopes k₁…k₄
    /// kept, so the discrete adjoint can recompute and reuse them.
    struct Stepper {
        var k1, k2, k3, k4, y2, y3, y4: [Double]

        init(dimension: Int) {
            k1 = [Double](repeating: 0, count: dimension)
            (k2, k3, k4, y2, y3, y4) = (k1, k1, k1, k1, k1, k1)
        }

        /// Advances `y` by one step of `h` from time `t`, in place.
        mutating func advance<Field: VectorField>(_ field: inout Field, state y: inout [Double], time t: Double, step h: Double) {
            computeStages(&field, start: y, time: t, step: h)
            for i in 0..<y.count { y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
        }

        /// Fills the stage states and slopes of the step that starts at `y`.
        mutating func computeStages<Field: VectorField>(_ field: inout Field, start y: [Double], time t: Double, step h: Double) {
            let n = y.count
            field.derivative(at: t, state: y, into: &k1)
            for i in 0..<n { y2[i] = y[i] + 0.5 * h * k1[i] }
            field.derivative(at: t + 0.5 * h, state: y2, into: &k2)
            for i in 0..<n { y3[i] = y[i] + 0.5 * h * k2[i] }
            field.derivative(at: t + 0.5 * h, state: y3, into: &k3)
            for i in 0..<n { y4[i] = y[i] + h * k3[i] }
            field.derivative(at: t + h, state: y4, into: &k4)
        }
    }
}
