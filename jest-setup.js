// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom lacks what some @grafana/ui components use when they open menus.
class IntersectionObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
if (!global.IntersectionObserver) {
  global.IntersectionObserver = IntersectionObserverStub;
}
if (!global.ResizeObserver) {
  global.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
// Text measuring (Combobox sizes its menu from it): a fixed-width font.
HTMLCanvasElement.prototype.getContext = function () {
  return {
    font: '',
    measureText: (text) => ({ width: String(text).length * 8 }),
  };
};
// Layout: jsdom lays nothing out, so every box is 0 × 0. Combobox menus are
// virtualised (@tanstack/react-virtual reads the scroll box's clientHeight)
// and render only the options that fit: give boxes a size so that an open
// menu shows its options.
Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 400 });
