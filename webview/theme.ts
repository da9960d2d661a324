// Colours come from VS Code's theme variables, read at run time, so light, dark and high-contrast themes all work.
// VS Code changes the body's class (vscode-light, vscode-dark, vscode-high-contrast…) when the theme changes.

export interface ThemeColours {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  blue: string;
  red: string;
  green: string;
  orange: string;
  purple: string;
  yellow: string;
  focus: string;
  fontFamily: string;
  highContrast: boolean;
}

function variable(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const value = style.getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

export function readTheme(): ThemeColours {
  const style = getComputedStyle(document.body);
  const foreground = variable(style, '--vscode-editor-foreground', variable(style, '--vscode-foreground', '#cccccc'));
  return {
    foreground,
    muted: variable(style, '--vscode-descriptionForeground', foreground),
    grid: variable(style, '--vscode-charts-lines', variable(style, '--vscode-editorWidget-border', 'rgba(128,128,128,0.35)')),
    background: variable(style, '--vscode-editor-background', '#1e1e1e'),
    blue: variable(style, '--vscode-charts-blue', '#3794ff'),
    red: variable(style, '--vscode-charts-red', '#f14c4c'),
    green: variable(style, '--vscode-charts-green', '#89d185'),
    orange: variable(style, '--vscode-charts-orange', '#d18616'),
    purple: variable(style, '--vscode-charts-purple', '#b180d7'),
    yellow: variable(style, '--vscode-charts-yellow', '#cca700'),
    focus: variable(style, '--vscode-focusBorder', '#007fd4'),
    fontFamily: variable(style, '--vscode-font-family', 'sans-serif'),
    highContrast: document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
  };
}

/** calls back when the body's theme class (or the variables on <html>) change */
export function watchTheme(onChange: () => void): void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

/** a colour with an alpha, for fills: works for #rgb, #rrggbb and rgb()/rgba() values */
export function withAlpha(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(colour.trim());
  if (hex) {
    let digits = hex[1];
    if (digits.length === 3) digits = digits.split('').map((d) => d + d).join('');
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^,]+),([^,]+),([^,)]+)/i.exec(colour.trim());
  if (rgb) return `rgba(${rgb[1].trim()}, ${rgb[2].trim()}, ${rgb[3].trim()}, ${alpha})`;
  return colour;
}
