import { Badge, createTheme, type CSSVariablesResolver } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'teal',
  // Shades dark enough for white text on buttons at WCAG AA (axe checks it in the browser tests).
  primaryShade: { light: 9, dark: 9 },
  // Badges are filled: the light variant's text is below AA contrast on its pale background.
  components: { Badge: Badge.extend({ defaultProps: { variant: 'filled', tt: 'none' } }) },
  defaultRadius: 'md',
  // System fonts only (nothing downloaded); the Arabic ones where the system has them.
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", sans-serif',
});

/** Mantine's "dimmed" grey is below AA contrast in both schemes: one step towards the text colour. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    // Field errors in red 6 are below AA on white.
    '--mantine-color-error': 'var(--mantine-color-red-8)',
  },
  dark: { '--mantine-color-dimmed': 'var(--mantine-color-dark-1)' },
});
