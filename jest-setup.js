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
