import { Table } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../app/ErrorState.js';
import { EmptyState } from './EmptyState.js';
import { TableSkeleton } from './TableSkeleton.js';

/** A table wider than the screen scrolls; the keyboard must reach that scroll too (Tab, then arrows). */
export const KEYBOARD_SCROLL = { viewportProps: { tabIndex: 0 } };

interface DataTableProps<T> {
  /** The list's query: a skeleton while pending, the error with a retry; none for items at hand. */
  query?: UseQueryResult<unknown>;
  items: readonly T[] | undefined;
  /** Column headers; null is the actions column (named for screen readers only). */
  columns: readonly (string | null)[];
  empty: { title: string; hint?: string };
  row: (item: T) => ReactNode;
  label?: string;
  minWidth?: number;
  skeletonRows?: number;
}

/** A list from the server: a skeleton while it loads, the error with a retry, an empty state, or the table. */
export function DataTable<T>({
  query,
  items,
  columns,
  empty,
  row,
  label,
  minWidth = 640,
  skeletonRows = 3,
}: DataTableProps<T>) {
  const { t } = useTranslation();
  if (query?.isPending) return <TableSkeleton rows={skeletonRows} />;
  if (query?.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (!items || items.length === 0) return <EmptyState title={empty.title} hint={empty.hint} />;
  return (
    <Table.ScrollContainer minWidth={minWidth} scrollAreaProps={KEYBOARD_SCROLL}>
      <Table striped highlightOnHover aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((column, index) => (
              <Table.Th key={column ?? `actions-${index}`}>
                {column ?? <span className="visually-hidden">{t('common.actions')}</span>}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{items.map(row)}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
