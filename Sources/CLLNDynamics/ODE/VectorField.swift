/// A first-order ODE dy/dt = f(t, y) as the integrators see it.
///
/// `derivative` is `mutating` so a field can own scratch buffers and evaluate without allocating;
/// it must overwrite every component of `dy`.
public protocol VectorField {
    /// Number of components of y.
    var dimension: Int { get }
    /// Names the system in error messages ("Kuramoto network", …).
    var label: String { get }
    mutating func derivative(at time: Double, state y: [Double], into dy: inout [Double])
}

/// States sampled on a time grid, stored row-major: `states[n * dimension + i]` is component `i`
/// at `times[n]`.
public struct Trajectory: Sendable {
    public let dimension: Int
    public private(set) var times: [Double]
    public private(set) var states: [Double]

    public init(dimension: Int, capacity: Int = 0) {
        self.dimension = dimension
        times = []
        states = []
        times.reserveCapacity(capacity)
        states.reserveCapacity(capacity * dimension)
    }

    public var count: Int { times.count }

    mutating func append(time: Double, state: [Double]) {
        times.append(time)
        states.append(contentsOf: state[0..<dimension])
    }

    /// Component `component` at sample `index`.
    public subscript(index: Int, component: Int) -> Double {
        states[index * dimension + component]
    }

    /// The state at sample `index`.
    public func state(at index: Int) -> [Double] {
        Array(states[(index * dimension)..<((index + 1) * dimension)])
    }

    /// The time series of one component.
    public func series(_ component: Int) -> [Double] {
        (0..<count).map { self[$0, component] }
    }
}
