import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../router.ts';

export interface LinkProps {
  readonly href: string;
  readonly children: ComponentChildren;
  readonly class?: string;
  readonly current?: boolean;
  readonly label?: string;
}

/** An in-app link: a real <a href> (middle click, copy link, keyboard) that navigates without reload. */
export function Link(props: LinkProps) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      aria-label={props.label}
      onClick={(e) => onLinkClick(e, props.href)}
    >
      {props.children}
    </a>
  );
}
