import Foundation

/// The contact network of a jammed packing of disks: the graph the paper's Kuramoto networks
/// (§III.2) take their neighbours from.
///
/// Algorithm (the O'Hern–Silbert–Liu–Nagel protocol, PRE 68, 011306, 2003):
/// 1. `diskCount` disks, half of radius 0.5 and half of radius 0.7 (the usual 1 : 1.4 bidisperse
///    mixture, which does not crystallise), at uniform random positions in a periodic square box.
/// 2. Soft harmonic repulsion U = ½ Σ_{i<j} (1 − dᵢⱼ/σᵢⱼ)² for overlapping pairs (dᵢⱼ < σᵢⱼ =
///    rᵢ + rⱼ, minimum-image distances); U is minimised by FIRE (Bitzek et al. 2006) until the
///    largest force is below ``forceTolerance``.
/// 3. The packing fraction φ is raised in steps of 0.01 from 0.70 (box shrunk affinely) until the
///    minimised energy per disk exceeds ``jammingEnergy`` (overlaps cannot all be removed), then
///    bisected between the last unjammed and the first jammed φ down to a width of 10⁻⁵.
/// 4. Contacts are the overlapping pairs of the jammed state just above φ_J. Rattlers — disks
///    with fewer than three contacts, which are not held by the packing — are removed one by one
///    (a removal can make a neighbour a rattler); a draw that leaves rattlers is redrawn (up to
///    ``attempts`` times), so the network has exactly `diskCount` nodes, every one mechanically
///    held, with mean degree near the isostatic value 4.
public struct JammedPacking: Sendable {
    /// Disk centres in the periodic box [0, side)².
    public var positions: [(x: Double, y: Double)]
    public var radii: [Double]
    public var side: Double
    /// Packing fraction at jamming.
    public var packingFraction: Double
    /// Contacts (i < j), sorted.
    public var contacts: [(Int, Int)]
    /// Disks with fewer than three contacts after iterative removal (empty for a returned packing
    /// of ``generate(diskCount:generator:)``).
    public var rattlers: [Int]

    public static let forceTolerance = 1e-12
    public static let jammingEnergy = 1e-14
    public static let attempts = 200

    /// Mean number of contacts per disk.
    public var meanDegree: Double { 2 * Double(contacts.count) / Double(radii.count) }

    /// A rattler-free jammed packing of `diskCount` disks drawn from `generator`.
    /// - Throws: ``DynamicsError/invalidArgument(_:)`` for fewer than 4 disks, or if every one of
    ///   ``attempts`` draws had rattlers.
    public static func generate(diskCount: Int, generator: inout SplitMix64) throws -> JammedPacking {
        guard diskCount >= 4 else {
            throw DynamicsError.invalidArgument("a jammed packing needs at least 4 disks (got \(diskCount))")
        }
        for _ in 0..<attempts {
            let packing = jam(diskCount: diskCount, generator: &generator)
            if packing.rattlers.isEmpty && connected(packing) { return packing }
        }
        throw DynamicsError.invalidArgument(
            "no rattler-free jammed packing of \(diskCount) disks in \(attempts) draws; use more disks")
    }

    /// One compression of a random start to jamming (rattlers reported, not removed).
    static func jam(diskCount n: Int, generator: inout SplitMix64) -> JammedPacking {
        let radii = (0..<n).map { $0 < n / 2 ? 0.5 : 0.7 }
        let area = radii.reduce(0) { $0 + Double.pi * $1 * $1 }
        var phi = 0.70
        var side = (area / phi).squareRoot()
        var positions = (0..<n).map { _ in (x: side * generator.uniform(), y: side * generator.uniform()) }
        func resize(to newPhi: Double) {
            let newSide = (area / newPhi).squareRoot()
            positions = positions.map { (x: $0.x * newSide / side, y: $0.y * newSide / side) }
            side = newSide
            phi = newPhi
        }
        var low = 0.0, high = Double.nan
        var jammedState = positions, jammedSide = side
        while high.isNaN || high - low > 1e-5 {
            let energy = minimise(&positions, radii: radii, side: side)
            if energy / Double(n) > jammingEnergy {
                high = phi
                jammedState = positions
                jammedSide = side
            } else {
                low = phi
            }
            resize(to: high.isNaN ? phi + 0.01 : 0.5 * (low + high))
        }
        positions = jammedState
        side = jammedSide
        var contacts: [(Int, Int)] = []
        for i in 0..<n {
            for j in (i + 1)..<n where separation(positions[i], positions[j], side).distance < radii[i] + radii[j] {
                contacts.append((i, j))
            }
        }
        // Iterative rattler removal.
        var alive = [Bool](repeating: true, count: n)
        var changed = true
        while changed {
            changed = false
            for i in 0..<n where alive[i] {
                let degree = contacts.filter { ($0.0 == i && alive[$0.1]) || ($0.1 == i && alive[$0.0]) }.count
                if degree < 3 {
                    alive[i] = false
                    changed = true
                }
            }
        }
        return JammedPacking(
            positions: positions, radii: radii, side: side, packingFraction: high, contacts: contacts,
            rattlers: (0..<n).filter { !alive[$0] })
    }

    /// Minimum-image separation vector from `a` to `b` and its length.
    public static func separation(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double), _ side: Double) -> (dx: Double, dy: Double, distance: Double) {
        var dx = b.x - a.x, dy = b.y - a.y
        dx -= side * (dx / side).rounded()
        dy -= side * (dy / side).rounded()
        return (dx, dy, (dx * dx + dy * dy).squareRoot())
    }

    /// FIRE minimisation of U at fixed box; returns the final energy.
    static func minimise(_ positions: inout [(x: Double, y: Double)], radii: [Double], side: Double) -> Double {
        let n = positions.count
        var velocity = [(x: Double, y: Double)](repeating: (0, 0), count: n)
        var dt = 0.05, alpha = 0.1, positiveSteps = 0
        var (energy, forces) = energyAndForces(positions, radii: radii, side: side)
        for _ in 0..<200_000 {
            let largest = forces.reduce(0) { max($0, abs($1.x), abs($1.y)) }
            if largest < forceTolerance || energy == 0 { break }
            let power = zip(forces, velocity).reduce(0) { $0 + $1.0.x * $1.1.x + $1.0.y * $1.1.y }
            let vNorm = velocity.reduce(0) { $0 + $1.x * $1.x + $1.y * $1.y }.squareRoot()
            let fNorm = forces.reduce(0) { $0 + $1.x * $1.x + $1.y * $1.y }.squareRoot()
            if power > 0 {
                for i in 0..<n {
                    velocity[i].x = (1 - alpha) * velocity[i].x + alpha * vNorm * forces[i].x / fNorm
                    velocity[i].y = (1 - alpha) * velocity[i].y + alpha * vNorm * forces[i].y / fNorm
                }
                positiveSteps += 1
                if positiveSteps > 5 {
                    dt = min(dt * 1.1, 0.5)
                    alpha *= 0.99
                }
            } else {
                velocity = [(x: Double, y: Double)](repeating: (0, 0), count: n)
                dt *= 0.5
                alpha = 0.1
                positiveSteps = 0
            }
            // Semi-implicit Euler (unit masses).
            for i in 0..<n {
                velocity[i].x += dt * forces[i].x
                velocity[i].y += dt * forces[i].y
                positions[i].x += dt * velocity[i].x
                positions[i].y += dt * velocity[i].y
                positions[i].x -= side * (positions[i].x / side).rounded(.down)
                positions[i].y -= side * (positions[i].y / side).rounded(.down)
            }
            (energy, forces) = energyAndForces(positions, radii: radii, side: side)
        }
        return energy
    }

    static func energyAndForces(_ positions: [(x: Double, y: Double)], radii: [Double], side: Double) -> (Double, [(x: Double, y: Double)]) {
        let n = positions.count
        var forces = [(x: Double, y: Double)](repeating: (0, 0), count: n)
        var energy = 0.0
        for i in 0..<n {
            for j in (i + 1)..<n {
                let sigma = radii[i] + radii[j]
                let s = separation(positions[i], positions[j], side)
                guard s.distance < sigma, s.distance > 0 else { continue }
                let overlap = 1 - s.distance / sigma
                energy += 0.5 * overlap * overlap
                let magnitude = overlap / sigma  // −dU/dd, pushing the pair apart
                let (ux, uy) = (s.dx / s.distance, s.dy / s.distance)
                forces[i].x -= magnitude * ux
                forces[i].y -= magnitude * uy
                forces[j].x += magnitude * ux
                forces[j].y += magnitude * uy
            }
        }
        return (energy, forces)
    }

    private static func connected(_ packing: JammedPacking) -> Bool {
        let distances = CouplingGraph.hopDistances(from: 0, nodeCount: packing.radii.count, edges: packing.contacts)
        return !distances.contains(Int.max)
    }
}
