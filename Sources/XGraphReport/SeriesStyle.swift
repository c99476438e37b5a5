/// How one series looks: a marker shape, a dash pattern and a colour. Shapes and dashes alone
/// tell series apart, so a plot printed in grey stays readable; colour only helps on screen.
public struct SeriesStyle: Sendable, Equatable {
    public var marker: Marker
    /// The SVG `stroke-dasharray`; nil draws a solid line.
    public var dash: String?
    public var color: String
    /// Hollow markers (white fill): the older commit of a `--diff`.
    public var hollow: Bool

    public enum Marker: String, Sendable, CaseIterable {
        case circle, square, triangle, diamond, triangleDown, plus, cross, star
    }

    /// The Okabe–Ito palette (distinguishable with colour-vision deficiencies), reordered so
    /// that neighbours differ in lightness too.
    static let colors = ["#0072B2", "#D55E00", "#009E73", "#000000", "#CC79A7", "#E69F00", "#56B4E9", "#7F6A00"]
    static let dashes: [String?] = [nil, "7 3", "2 2", "9 3 2 3", "4 4", "12 3 2 3 2 3", "1 3", "14 4"]

    /// The style of the `index`th series; shapes, dashes and colours cycle with different
    /// periods' offsets, so the first 64 series all look different.
    public static func at(_ index: Int, hollow: Bool = false) -> SeriesStyle {
        let i = max(0, index)
        let markers = Marker.allCases
        return SeriesStyle(marker: markers[i % markers.count], dash: dashes[(i + i / dashes.count) % dashes.count],
                           color: colors[i % colors.count], hollow: hollow)
    }

    /// An SVG path of the marker centred on (x, y), about `r` in radius.
    public func markerPath(x: Double, y: Double, r: Double = 4.5) -> String {
        let c = XMLText.coordinate
        switch marker {
        case .circle:
            return "M\(c(x - r)) \(c(y))a\(c(r)) \(c(r)) 0 1 0 \(c(2 * r)) 0a\(c(r)) \(c(r)) 0 1 0 \(c(-2 * r)) 0Z"
        case .square:
            let s = r * 0.9
            return "M\(c(x - s)) \(c(y - s))h\(c(2 * s))v\(c(2 * s))h\(c(-2 * s))Z"
        case .triangle:
            return "M\(c(x)) \(c(y - r * 1.15))L\(c(x + r)) \(c(y + r * 0.75))L\(c(x - r)) \(c(y + r * 0.75))Z"
        case .triangleDown:
            return "M\(c(x)) \(c(y + r * 1.15))L\(c(x + r)) \(c(y - r * 0.75))L\(c(x - r)) \(c(y - r * 0.75))Z"
        case .diamond:
            return "M\(c(x)) \(c(y - r * 1.2))L\(c(x + r)) \(c(y))L\(c(x)) \(c(y + r * 1.2))L\(c(x - r)) \(c(y))Z"
        case .plus:
            let w = r * 0.35
            return "M\(c(x - w)) \(c(y - r))h\(c(2 * w))v\(c(r - w))h\(c(r - w))v\(c(2 * w))h\(c(w - r))v\(c(r - w))"
                + "h\(c(-2 * w))v\(c(w - r))h\(c(w - r))v\(c(-2 * w))h\(c(r - w))Z"
        case .cross:
            let d = r * 0.8, w = r * 0.3
            return "M\(c(x - d)) \(c(y - d + w))L\(c(x - d + w)) \(c(y - d))L\(c(x)) \(c(y - w))L\(c(x + d - w)) \(c(y - d))"
                + "L\(c(x + d)) \(c(y - d + w))L\(c(x + w)) \(c(y))L\(c(x + d)) \(c(y + d - w))L\(c(x + d - w)) \(c(y + d))"
                + "L\(c(x)) \(c(y + w))L\(c(x - d + w)) \(c(y + d))L\(c(x - d)) \(c(y + d - w))L\(c(x - w)) \(c(y))Z"
        case .star:
            var d = ""
            for k in 0..<10 {
                let angle = Double(k) * Double.pi / 5 - Double.pi / 2
                let radius = k % 2 == 0 ? r * 1.2 : r * 0.5
                d += (k == 0 ? "M" : "L") + "\(c(x + radius * cos(angle))) \(c(y + radius * sin(angle)))"
            }
            return d + "Z"
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
