import { defineStore } from 'pinia';
import { ref } from 'vue';
import { usersApi, type NewUser, type UserChanges, type UserDto } from '../api/users';

export const useUsersStore = defineStore('users', () => {
  const items = ref<UserDto[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const saving = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      items.value = (await usersApi.list()).items;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  function replace(user: UserDto): void {
    const index = items.value.findIndex((u) => u.id === user.id);
    if (index >= 0) items.value.splice(index, 1, user);
    else items.value.push(user);
  }

  async function create(user: NewUser): Promise<UserDto> {
    saving.value = true;
    try {
      const created = await usersApi.create(user);
      replace(created);
      return created;
    } finally {
      saving.value = false;
    }
  }

  async function update(id: number, changes: UserChanges): Promise<UserDto> {
    saving.value = true;
    try {
      const updated = await usersApi.update(id, changes);
      replace(updated);
      return updated;
    } finally {
      saving.value = false;
    }
  }

  async function resetPassword(id: number): Promise<string> {
    saving.value = true;
    try {
      return (await usersApi.resetPassword(id)).password;
    } finally {
      saving.value = false;
    }
  }

  return { items, loaded, loading, saving, load, create, update, resetPassword };
});
